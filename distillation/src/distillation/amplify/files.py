"""The files of a ``distill()`` run under ``<output_dir>/<name>/``."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from distillation.amplify.run import Amplification
from distillation.amplify.steps import Written
from distillation.pipeline.types import Stage


@dataclass(frozen=True)
class RunFiles:
    """Paths of one named distillation.

    Attributes:
        traces: ``traces_cot.jsonl``: each seed with the teacher's chain of thought.
        dataset: ``traces_amplified.jsonl``: the seeds and the amplified pairs as chat messages.
        partial: ``traces_amplified.partial.jsonl``: what a stopped run kept (a rerun replaces it).
        rejected: ``traces_rejected.jsonl``: amplified pairs not kept, with the reason and raw output.
        cache: ``cache.jsonl``: every answer by request fingerprint (what makes a rerun free).
    """

    root: Path

    @property
    def traces(self) -> Path:
        return self.root / "traces_cot.jsonl"

    @property
    def dataset(self) -> Path:
        return self.root / "traces_amplified.jsonl"

    @property
    def partial(self) -> Path:
        return self.root / "traces_amplified.partial.jsonl"

    @property
    def rejected(self) -> Path:
        return self.root / "traces_rejected.jsonl"

    @property
    def cache(self) -> Path:
        return self.root / "cache.jsonl"


def write_jsonl(path: Path, rows: Iterable[dict[str, Any]]) -> int:
    """Write rows to ``path`` atomically (a temporary file, then a rename); returns the count."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    count = 0
    with temporary.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n")
            count += 1
    os.replace(temporary, path)
    return count


def dataset_rows(result: Amplification, instruction: str) -> Iterable[dict[str, Any]]:
    """The seeds, then the kept pairs, as chat rows with their origin in ``metadata``."""
    for traced in result.traces:
        metadata = {"id": traced.pair.key, "source": Stage.seed, "reasoning": traced.pair.reasoning}
        yield {"messages": traced.pair.messages(instruction), "metadata": metadata}
    for written in result.pairs:
        assert written.pair is not None
        yield {"messages": written.pair.messages(instruction), "metadata": _metadata(written)}


def rejected_rows(result: Amplification) -> Iterable[dict[str, Any]]:
    """Rejected pairs with the reason and the raw model output."""
    for written in result.rejected:
        yield {"id": written.key, "reason": written.error, "raw": written.call.answer.text, **_calls(written)}


def count_rows(path: Path) -> tuple[int, int]:
    """(seed rows, amplified rows) of an existing ``traces_amplified.jsonl``."""
    seeds = amplified = 0
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if not line.strip():
                continue
            source = (json.loads(line).get("metadata") or {}).get("source")
            seeds += source == Stage.seed
            amplified += source != Stage.seed
    return seeds, amplified


def _metadata(written: Written) -> dict[str, Any]:
    return {"id": written.key, "source": "amplified", "variation": written.variation, **_calls(written)}


def _calls(written: Written) -> dict[str, Any]:
    return written.call.metadata()
