"""Row order: every row once per epoch, reproducible, and resumable from a position."""

from __future__ import annotations

import itertools

from distillation.finetune.batches import Position, collate, epoch_batches, stream
from distillation.finetune.data import IGNORE_INDEX, Tokenized


def test_an_epoch_holds_every_row_once_in_a_seeded_order() -> None:
    lengths = [5, 80, 7, 60, 9, 70, 11, 50, 13]
    for group in (False, True):
        batches = epoch_batches(lengths, 2, seed=4, epoch=0, group=group)
        assert sorted(i for batch in batches for i in batch) == list(range(9))
        assert batches == epoch_batches(lengths, 2, seed=4, epoch=0, group=group)
        assert batches != epoch_batches(lengths, 2, seed=4, epoch=1, group=group)


def test_length_grouping_pads_less() -> None:
    lengths = [5, 500] * 32

    def padding(batches: list[list[int]]) -> int:
        return sum(max(lengths[i] for i in b) * len(b) - sum(lengths[i] for i in b) for b in batches)

    assert (
        padding(epoch_batches(lengths, 4, 0, 0, True)) < padding(epoch_batches(lengths, 4, 0, 0, False)) / 4
    )


def test_a_stream_restarted_at_a_position_continues_the_same_sequence() -> None:
    lengths = list(range(1, 11))
    full = list(itertools.islice(stream(lengths, 3, 7, True, Position()), 9))
    position = full[4][0]
    resumed = list(itertools.islice(stream(lengths, 3, 7, True, position), 4))
    assert [rows for _, rows in resumed] == [rows for _, rows in full[5:9]]


def test_collate_pads_right_and_masks_the_padding() -> None:
    items = [Tokenized([1, 2, 3], [IGNORE_INDEX, 2, 3], "abc"), Tokenized([4], [4], "d")]
    batch = collate(items, pad_id=0, device="cpu")
    assert batch["input_ids"].tolist() == [[1, 2, 3], [4, 0, 0]]
    assert batch["attention_mask"].tolist() == [[1, 1, 1], [1, 0, 0]]
    assert batch["labels"].tolist() == [[IGNORE_INDEX, 2, 3], [4, IGNORE_INDEX, IGNORE_INDEX]]
