"""Reading rows, the held-out split and the assistant-only loss mask."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from distillation.finetune import (
    DatasetError,
    TrainingRow,
    heldout_split,
    load_rows,
    split_by_ids,
    tokenize,
)
from distillation.finetune.data import IGNORE_INDEX


def _row(row_id: str, exemplars: tuple[str, ...] = ()) -> TrainingRow:
    messages = [{"role": "user", "content": f"q {row_id}"}, {"role": "assistant", "content": f"a {row_id}"}]
    return TrainingRow(row_id, 0, messages, None, exemplars)


def test_heldout_rows_are_never_exemplars_and_never_trained_on() -> None:
    seeds = [_row(f"seed-{i}") for i in range(4)]
    bulk = [_row(f"bulk-{i}", ("seed-0", "seed-1", "seed-2", "seed-3")) for i in range(16)]
    split = heldout_split([*seeds, *bulk], 0.5, seed=3)

    assert len(split.heldout) == 10
    assert not {row.id for row in split.heldout} & {row.id for row in seeds}
    assert not {row.id for row in split.heldout} & {row.id for row in split.train}
    assert len(split.train) + len(split.heldout) == 20


def test_the_split_is_a_function_of_ids_and_seed() -> None:
    rows = [_row(f"r{i}") for i in range(30)]
    first = heldout_split(rows, 0.2, seed=1).heldout_ids
    assert heldout_split(list(reversed(rows)), 0.2, seed=1).heldout_ids == first
    assert heldout_split(rows, 0.2, seed=2).heldout_ids != first
    assert split_by_ids(rows, first).heldout_ids == first


def test_split_by_ids_refuses_a_dataset_without_the_recorded_rows() -> None:
    with pytest.raises(DatasetError, match="missing"):
        split_by_ids([_row("a"), _row("b")], ["a", "zzz"])


def test_load_rows_lists_every_unusable_row_by_line(tmp_path: Path) -> None:
    path = tmp_path / "rows.jsonl"
    path.write_text(
        '{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}\n'
        "not json\n"
        '{"messages": [{"role": "user", "content": "only a question"}]}\n'
    )
    with pytest.raises(DatasetError) as caught:
        load_rows(path)
    assert "line 2" in str(caught.value)
    assert "line 3: no assistant turn" in str(caught.value)


def test_rows_keep_their_ids_records_and_exemplars(qa_dataset: Path) -> None:
    rows = load_rows(qa_dataset)
    assert len(rows) == 40
    bulk = [row for row in rows if row.id.startswith("bulk-")]
    assert bulk
    assert all(row.exemplar_ids for row in bulk)
    assert all(row.record is not None and set(row.record) == {"question", "answer"} for row in rows)


@pytest.mark.slow
def test_only_assistant_turns_are_labelled(tokenizer: Any) -> None:
    messages = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Capital of France?"},
        {"role": "assistant", "content": "Paris."},
        {"role": "user", "content": "And of Italy?"},
        {"role": "assistant", "content": "Rome."},
    ]
    item = tokenize(tokenizer, messages)
    trained = tokenizer.decode([t for t in item.labels if t != IGNORE_INDEX])

    assert trained == "Paris.<|im_end|>\nRome.<|im_end|>\n"
    assert len(item.labels) == len(item.input_ids)
    assert tokenizer.decode(item.input_ids) == item.text


@pytest.mark.slow
def test_a_weight_zero_turn_is_context_only(tokenizer: Any) -> None:
    messages: list[dict[str, Any]] = [
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Old answer.", "weight": 0},
        {"role": "user", "content": "Again"},
        {"role": "assistant", "content": "New answer."},
    ]
    trained = tokenizer.decode([t for t in tokenize(tokenizer, messages).labels if t != IGNORE_INDEX])
    assert "Old answer" not in trained
    assert trained.startswith("New answer.")
