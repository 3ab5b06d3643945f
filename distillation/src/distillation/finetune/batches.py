"""Row order and padding: which rows form each micro-batch, and the tensors a batch becomes.

The order of an epoch is a pure function of the seed and the epoch number, so a resumed run only
needs to know how many micro-batches of the current epoch it already consumed.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from distillation.finetune.data import IGNORE_INDEX, Tokenized
from distillation.finetune.model import require

# Length grouping sorts rows inside windows of this many batches: less padding, order still random.
GROUP_WINDOW = 16


@dataclass(frozen=True)
class Position:
    """Where the row stream stands: the epoch and the micro-batches of it already consumed."""

    epoch: int = 0
    batch: int = 0


def epoch_batches(
    lengths: Sequence[int], batch_size: int, seed: int, epoch: int, group: bool
) -> list[list[int]]:
    """The micro-batches (row indices) of one epoch, shuffled by ``seed`` and ``epoch``.

    With ``group``, rows are sorted by length inside windows of ``GROUP_WINDOW`` batches and the
    batches shuffled again, so batches hold rows of similar length in a random order.
    """
    rng = random.Random(f"{seed}:{epoch}")
    order = list(range(len(lengths)))
    rng.shuffle(order)
    if group:
        window = batch_size * GROUP_WINDOW
        order = [
            i
            for start in range(0, len(order), window)
            for i in sorted(order[start : start + window], key=lambda i: -lengths[i])
        ]
    batches = [order[start : start + batch_size] for start in range(0, len(order), batch_size)]
    if group:
        rng.shuffle(batches)
    return batches


def batches_per_epoch(rows: int, batch_size: int) -> int:
    """Micro-batches in one pass over ``rows``."""
    return math.ceil(rows / batch_size)


def stream(
    lengths: Sequence[int], batch_size: int, seed: int, group: bool, start: Position
) -> Iterator[tuple[Position, list[int]]]:
    """Micro-batches forever from ``start``, each with the position after it."""
    epoch, skip = start.epoch, start.batch
    while True:
        batches = epoch_batches(lengths, batch_size, seed, epoch, group)
        for index in range(skip, len(batches)):
            after = Position(epoch, index + 1) if index + 1 < len(batches) else Position(epoch + 1, 0)
            yield after, batches[index]
        epoch, skip = epoch + 1, 0


def collate(items: Sequence[Tokenized], pad_id: int, device: str) -> dict[str, Any]:
    """Right-padded ``input_ids``, ``attention_mask`` and ``labels`` tensors on ``device``."""
    torch = require("torch")
    width = max(len(item.input_ids) for item in items)
    ids, mask, labels = [], [], []
    for item in items:
        pad = width - len(item.input_ids)
        ids.append(item.input_ids + [pad_id] * pad)
        mask.append([1] * len(item.input_ids) + [0] * pad)
        labels.append(item.labels + [IGNORE_INDEX] * pad)
    return {
        "input_ids": torch.tensor(ids, device=device),
        "attention_mask": torch.tensor(mask, device=device),
        "labels": torch.tensor(labels, device=device),
    }


def loss_sum(model: Any, batch: dict[str, Any]) -> Any:
    """Summed next-token cross-entropy over the labelled positions of ``batch``.

    The vocabulary projection runs only on positions that have a label: with the loss on assistant
    turns alone that skips most of the most expensive matrix product of a small model.
    """
    torch = require("torch")
    causal_lm = model.get_base_model() if hasattr(model, "get_base_model") else model
    hidden = causal_lm.get_decoder()(
        input_ids=batch["input_ids"], attention_mask=batch["attention_mask"], use_cache=False
    ).last_hidden_state
    targets = batch["labels"][:, 1:]
    keep = targets != IGNORE_INDEX
    logits = causal_lm.get_output_embeddings()(hidden[:, :-1][keep]).float()
    return torch.nn.functional.cross_entropy(logits, targets[keep], reduction="sum")


def label_count(batch: dict[str, Any]) -> int:
    """Labelled next-token positions of ``batch`` (what ``loss_sum`` sums over)."""
    return int((batch["labels"][:, 1:] != IGNORE_INDEX).sum().item())
