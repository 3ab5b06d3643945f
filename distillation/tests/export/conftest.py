from __future__ import annotations

from typing import Any

import pytest


def make_records(count: int = 40) -> list[dict[str, Any]]:
    """Varied canonical records: system prompts, multi-turn, formula-like text, unicode, metadata."""
    records: list[dict[str, Any]] = []
    for i in range(count):
        messages = [{"role": "user", "content": f"Question {i}: ünï ✓ {'=' if i % 5 == 0 else ''}x"}]
        if i % 3 == 0:
            messages.insert(0, {"role": "system", "content": "Answer briefly."})
        messages.append(
            {"role": "assistant", "content": f"-{i} @answer\twith tab" if i % 4 == 0 else f"A{i}"}
        )
        if i % 7 == 0:
            messages += [{"role": "user", "content": "and more?"}, {"role": "assistant", "content": "+more"}]
        records.append({"messages": messages, "metadata": {"item_key": f"k{i:03d}", "score": i / 10}})
    return records


@pytest.fixture
def records() -> list[dict[str, Any]]:
    return make_records()
