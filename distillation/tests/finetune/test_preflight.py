"""The pre-flight check: rendered rows with the loss mask, the length histogram, and what it refuses."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest

from distillation.finetune import DatasetError, TrainingRow, load_rows, preflight
from distillation.finetune.preflight import histogram


def _row(row_id: str, answer: str, weight: int = 1) -> TrainingRow:
    messages: list[dict[str, Any]] = [
        {"role": "user", "content": "Question?"},
        {"role": "assistant", "content": answer, "weight": weight},
    ]
    return TrainingRow(row_id, 0, messages)


@pytest.mark.slow
def test_samples_show_which_text_is_trained_on(tokenizer: Any, qa_dataset: Path) -> None:
    rows = load_rows(qa_dataset)
    report = preflight(tokenizer, rows, max_seq_length=1024, samples=2)

    assert report.problems == []
    assert len(report.samples) == 2
    sample = report.samples[0]
    trained = "".join(text for text, on in sample.segments() if on)
    assert trained.startswith(rows[0].messages[1]["content"])
    assert "«" + rows[0].messages[1]["content"] in sample.marked()
    assert rows[0].messages[0]["content"] not in trained
    assert sum(item.count for item in report.histogram) == len(rows) == len(report.lengths)


@pytest.mark.slow
def test_rows_with_every_label_masked_are_refused(tokenizer: Any) -> None:
    report = preflight(tokenizer, [_row("good", "Yes."), _row("masked", "No.", weight=0)], 512)

    assert [issue.row_id for issue in report.fully_masked] == ["masked"]
    with pytest.raises(DatasetError, match="every label masked"):
        report.raise_for_problems()


@pytest.mark.slow
def test_rows_over_the_length_limit_are_refused_or_dropped(tokenizer: Any) -> None:
    rows = [_row("short", "Yes."), _row("long", "word " * 200)]
    report = preflight(tokenizer, rows, max_seq_length=64)
    with pytest.raises(DatasetError, match=r"longer than max_seq_length 64 \(longest 2\d\d tokens\)"):
        report.raise_for_problems()

    dropped = preflight(tokenizer, rows, max_seq_length=64, drop_long_rows=True)
    dropped.raise_for_problems()
    assert [issue.row_id for issue in dropped.dropped] == ["long"]
    assert set(dropped.tokenized) == {"short"}


def test_histogram_bins_cover_every_length() -> None:
    bins = histogram([10, 11, 30, 95, 95, 100])
    assert bins[0].low == 10
    assert bins[-1].high >= 100
    assert sum(item.count for item in bins) == 6
    assert all(a.high + 1 == b.low for a, b in itertools.pairwise(bins))
