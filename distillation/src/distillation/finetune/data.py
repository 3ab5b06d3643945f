"""Training rows: reading a dataset file, the held-out split, and the assistant-only loss mask.

The held-out split takes only rows whose id no other row lists among its exemplars (the pipeline
records them in ``metadata.provenance.exemplar_ids``): a row the student saw as an example while
writing the bulk would flatter any evaluation on it. The split is a pure function of the row ids and
the seed, so ``finetune`` and ``evaluate`` agree on it without sharing state.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from distillation.datatypes import typed_record_to_chat
from distillation.formats import read_chat_records

IGNORE_INDEX = -100


class DatasetError(ValueError):
    """The dataset cannot be trained on; the message says which rows and why."""


@dataclass(frozen=True)
class TrainingRow:
    """One example as the trainer sees it.

    Attributes:
        id: ``metadata.id`` when the row has one, else a hash of its messages.
        line: Line of the row in its file (0 for rows given in memory).
        messages: The chat messages (``weight: 0`` on an assistant turn keeps it out of the loss).
        record: The data type's record (``metadata.record``), when the row has one.
        exemplar_ids: Ids of the rows shown as examples while this row was written.
    """

    id: str
    line: int
    messages: list[dict[str, Any]]
    record: dict[str, Any] | None = None
    exemplar_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Split:
    """Training rows and held-out rows (never used as exemplars, never trained on)."""

    train: list[TrainingRow]
    heldout: list[TrainingRow]

    @property
    def heldout_ids(self) -> list[str]:
        """Ids of the held-out rows, in split order."""
        return [row.id for row in self.heldout]


@dataclass(frozen=True)
class Tokenized:
    """A row rendered through the chat template and tokenized.

    Attributes:
        input_ids: Token ids of the whole conversation.
        labels: ``input_ids`` with every token outside assistant turns set to ``IGNORE_INDEX``.
        text: The rendered conversation.
        spans: Character ranges of ``text`` the loss is computed on.
    """

    input_ids: list[int]
    labels: list[int]
    text: str
    spans: list[tuple[int, int]] = field(default_factory=list)

    @property
    def trained_tokens(self) -> int:
        """Tokens that count in the loss."""
        return sum(1 for label in self.labels if label != IGNORE_INDEX)


def load_rows(source: Path | Iterable[Mapping[str, Any]]) -> list[TrainingRow]:
    """Read a dataset file (any format ``distillery`` reads) or records in memory.

    Raises:
        DatasetError: Some rows cannot be read or have no assistant turn; every such row is listed.
    """
    if isinstance(source, Path):
        raw = [
            (row.line, row.record, row.error)
            for row in read_chat_records(source, fallback=typed_record_to_chat)
        ]
    else:
        raw = [(0, dict(record), None) for record in source]
    rows, problems = [], []
    for index, (line, record, error) in enumerate(raw):
        where = f"line {line}" if line else f"row {index}"
        if record is None:
            problems.append(f"{where}: {error}")
            continue
        messages = record.get("messages")
        if not isinstance(messages, list) or not any(m.get("role") == "assistant" for m in messages):
            problems.append(f"{where}: no assistant turn to learn from")
            continue
        rows.append(_row(line, messages, record.get("metadata") or {}))
    if problems:
        raise DatasetError(_listing(f"{len(problems)} row(s) cannot be used", problems))
    if not rows:
        raise DatasetError("the dataset has no rows")
    return rows


def data_hash(rows: Sequence[TrainingRow]) -> str:
    """A hash of the rows' ids and messages (what a resumed run must find unchanged)."""
    digest = hashlib.sha256()
    for row in rows:
        digest.update(json.dumps([row.id, row.messages], sort_keys=True, ensure_ascii=False).encode())
    return digest.hexdigest()[:16]


def heldout_split(rows: Sequence[TrainingRow], fraction: float, seed: int) -> Split:
    """Hold out ``fraction`` of the rows, taken only from rows never used as exemplars.

    At least one row is held out when ``fraction`` is positive and at least one row stays for
    training; fewer are held out when too few rows qualify.

    Raises:
        DatasetError: Fewer than two rows, so nothing could be held out and still trained on.
    """
    if fraction <= 0:
        return Split(list(rows), [])
    if len(rows) < 2:
        raise DatasetError("holding out rows for evaluation needs at least two rows")
    used = {exemplar for row in rows for exemplar in row.exemplar_ids}
    candidates = sorted((row for row in rows if row.id not in used), key=lambda row: row.id)
    random.Random(seed).shuffle(candidates)
    wanted = min(max(1, round(fraction * len(rows))), len(rows) - 1, len(candidates))
    held = {row.id for row in candidates[:wanted]}
    return Split([row for row in rows if row.id not in held], candidates[:wanted])


def split_by_ids(rows: Sequence[TrainingRow], heldout_ids: Sequence[str]) -> Split:
    """The split a fine-tune run recorded, applied to the same rows.

    Raises:
        DatasetError: A recorded held-out id is not among the rows.
    """
    by_id = {row.id: row for row in rows}
    missing = [row_id for row_id in heldout_ids if row_id not in by_id]
    if missing:
        raise DatasetError(_listing("held-out rows of the run are missing from the dataset", missing))
    held = set(heldout_ids)
    return Split([row for row in rows if row.id not in held], [by_id[row_id] for row_id in heldout_ids])


def tokenize(tokenizer: Any, messages: Sequence[Mapping[str, Any]]) -> Tokenized:
    """Render ``messages`` through the tokenizer's chat template; label only the assistant turns.

    Each trained assistant turn spans from the end of the prompt rendered up to it (with the
    generation prompt) to the end of the conversation rendered through it, so the turn's end-of-turn
    token is learned too. Tokens are assigned to spans by their character offsets.

    Raises:
        DatasetError: The template renders a conversation inconsistently with its own prefixes.
    """
    plain = [{"role": m["role"], "content": m["content"]} for m in messages]
    text = _render(tokenizer, plain, generation_prompt=False)
    spans = []
    for index, message in enumerate(messages):
        if message["role"] != "assistant" or message.get("weight", 1) == 0:
            continue
        before = _render(tokenizer, plain[:index], generation_prompt=True)
        through = _render(tokenizer, plain[: index + 1], generation_prompt=False)
        if not (through.startswith(before) and text.startswith(through)):
            raise DatasetError("the chat template does not render conversations as prefixes of each other")
        spans.append((len(before), len(through)))
    encoded = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
    input_ids = list(encoded["input_ids"])
    labels = [
        token if any(start <= begin < end for start, end in spans) else IGNORE_INDEX
        for token, (begin, _) in zip(input_ids, encoded["offset_mapping"], strict=True)
    ]
    return Tokenized(input_ids, labels, text, spans)


def prompt_messages(messages: Sequence[Mapping[str, Any]]) -> list[dict[str, str]]:
    """The conversation up to (without) its last assistant turn: what a model is asked to continue."""
    last = max(i for i, m in enumerate(messages) if m["role"] == "assistant")
    return [{"role": m["role"], "content": m["content"]} for m in messages[:last]]


def reference_answer(messages: Sequence[Mapping[str, Any]]) -> str:
    """The content of the last assistant turn."""
    return str([m for m in messages if m["role"] == "assistant"][-1]["content"])


def _render(tokenizer: Any, messages: list[dict[str, str]], *, generation_prompt: bool) -> str:
    if not messages:
        return ""
    rendered = tokenizer.apply_chat_template(
        messages, tokenize=False, add_generation_prompt=generation_prompt
    )
    return str(rendered)


def _row(line: int, messages: list[dict[str, Any]], metadata: Mapping[str, Any]) -> TrainingRow:
    row_id = metadata.get("id")
    if not isinstance(row_id, str) or not row_id:
        text = json.dumps(messages, sort_keys=True, ensure_ascii=False)
        row_id = "sha-" + hashlib.sha256(text.encode()).hexdigest()[:16]
    provenance = metadata.get("provenance")
    exemplars = provenance.get("exemplar_ids") if isinstance(provenance, Mapping) else None
    record = metadata.get("record")
    return TrainingRow(
        id=row_id,
        line=line,
        messages=messages,
        record=record if isinstance(record, dict) else None,
        exemplar_ids=tuple(str(e) for e in exemplars) if isinstance(exemplars, list) else (),
    )


def _listing(title: str, items: Sequence[str], limit: int = 10) -> str:
    shown = "\n".join(f"  {item}" for item in items[:limit])
    more = f"\n  ... and {len(items) - limit} more" if len(items) > limit else ""
    return f"{title}:\n{shown}{more}"
