"""Splits: deterministic by seed and content, disjoint, stable, close to the ratios."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from distillation.export import DEFAULT_SPLITS, assign_split, export, validate_splits
from distillation.formats import read_records


def record(i: int, **metadata: Any) -> dict[str, Any]:
    messages = [{"role": "user", "content": f"q{i}"}, {"role": "assistant", "content": f"a{i}"}]
    return {"messages": messages, "metadata": metadata}


RECORDS = [record(i) for i in range(3000)]


def test_assignment_depends_only_on_content_and_seed() -> None:
    first = [assign_split(r, DEFAULT_SPLITS, seed=1) for r in RECORDS]
    again = [assign_split(r, dict(reversed(list(DEFAULT_SPLITS.items()))), seed=1) for r in reversed(RECORDS)]
    assert first == list(reversed(again))


def test_metadata_changes_do_not_move_a_record() -> None:
    assert all(
        assign_split(record(i, score=1), DEFAULT_SPLITS) == assign_split(record(i, score=9), DEFAULT_SPLITS)
        for i in range(200)
    )


def test_seed_changes_the_assignment() -> None:
    zero = [assign_split(r, DEFAULT_SPLITS, seed=0) for r in RECORDS[:500]]
    one = [assign_split(r, DEFAULT_SPLITS, seed=1) for r in RECORDS[:500]]
    assert sum(a != b for a, b in zip(zero, one, strict=True)) > 100


def test_sizes_follow_the_ratios() -> None:
    counts = Counter(assign_split(r, DEFAULT_SPLITS) for r in RECORDS)
    assert set(counts) == {"train", "validation", "test"}
    assert 2300 < counts["train"] < 2500
    assert 230 < counts["validation"] < 370
    assert 230 < counts["test"] < 370


def test_zero_ratio_split_gets_nothing() -> None:
    ratios = {"train": 0.5, "validation": 0.0, "test": 0.5}
    assert "validation" not in {assign_split(r, ratios) for r in RECORDS[:500]}


def test_export_splits_are_disjoint_and_complete(tmp_path: Path) -> None:
    data = [*RECORDS[:600], RECORDS[0], RECORDS[1]]  # duplicates must share a split
    result = export(data, "jsonl", tmp_path, splits={"train": 0.7, "test": 0.3}, seed=5)
    seen: dict[str, list[str]] = {}
    for name, path in result.paths.items():
        seen[name] = [r.record["messages"][0]["content"] for r in read_records(path) if r.record]
    assert sum(len(v) for v in seen.values()) == len(data) == result.total
    assert set(seen["train"]).isdisjoint(seen["test"])
    assert {"q0", "q1"} <= set(seen["train"]) | set(seen["test"])
    for name, contents in seen.items():
        assert all(
            assign_split(record(int(c[1:])), {"train": 0.7, "test": 0.3}, seed=5) == name for c in contents
        )


def test_adding_records_keeps_old_records_in_their_split() -> None:
    before = {i: assign_split(r, DEFAULT_SPLITS) for i, r in enumerate(RECORDS[:1000])}
    after = {i: assign_split(r, DEFAULT_SPLITS) for i, r in enumerate(RECORDS)}
    assert all(after[i] == split for i, split in before.items())


@pytest.mark.parametrize(
    ("ratios", "message"),
    [
        ({}, "at least one"),
        ({"train": 0.8, "test": 0.1}, "sum to 1"),
        ({"train": 1.2, "test": -0.2}, "between 0 and 1"),
        ({"../etc": 1.0}, "split name"),
        ({"a/b": 1.0}, "split name"),
        ({"": 1.0}, "split name"),
        ({".hidden": 1.0}, "split name"),
    ],
)
def test_invalid_split_ratios_are_refused(ratios: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        validate_splits(ratios)


def test_validate_splits_orders_by_name() -> None:
    assert list(validate_splits({"train": 0.5, "b": 0.25, "a": 0.25})) == ["a", "b", "train"]
