"""The labels of a classification dataset's rows, and a reviewer's label correction written into a row.

A classification row's label is its typed record's ``label`` when it has one (rows a job wrote), else its
assistant answer (the data type's chat view answers with the label; uploaded rows keep only that view).
The labels a reviewer may give a row are the row's own ``labels`` when its record states them, else
every label the dataset's current rows hold: their labels and their stated label sets.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from app.datasets import editing
from app.models import Example

CLASSIFICATION = "classification"
# A longer answer is not a label: the dataset's label set leaves it out.
MAX_LABEL = 200
# The most labels a dataset offers (a generation job's label list takes as many).
MAX_LABELS = 500


def _label(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    label = value.strip()
    return label if label and len(label) <= MAX_LABEL else None


def _answer(messages: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The row's last assistant message: where the classification chat view puts the label."""
    answers = [message for message in messages if message.get("role") == "assistant"]
    return answers[-1] if answers else None


def row_label(record: dict[str, Any] | None, messages: list[dict[str, Any]]) -> str | None:
    """The label of a classification row: its record's ``label``, else its assistant answer."""
    if isinstance(record, dict) and (label := _label(record.get("label"))) is not None:
        return label
    answer = _answer(messages)
    return _label(answer.get("content")) if answer is not None else None


def stated_labels(record: dict[str, Any] | None) -> list[str] | None:
    """The allowed labels a row's record states, if it states any."""
    labels = record.get("labels") if isinstance(record, dict) else None
    if not isinstance(labels, list):
        return None
    found = [label for item in labels if (label := _label(item)) is not None]
    return found or None


def dataset_labels(rows: Iterable[tuple[dict[str, Any] | None, list[dict[str, Any]]]]) -> list[str]:
    """Every label the (record, messages) rows hold or state, sorted; at most ``MAX_LABELS``."""
    found: set[str] = set()
    for record, messages in rows:
        if (label := row_label(record, messages)) is not None:
            found.add(label)
        found.update(stated_labels(record) or [])
    return sorted(found, key=lambda label: (label.casefold(), label))[:MAX_LABELS]


def relabeled(old: Example, label: str, number: int, reviewer_id: uuid.UUID) -> Example:
    """The row that replaces ``old`` in version ``number`` with the reviewer's label.

    The label goes into the record (when the record has one) and into the assistant answer that spells
    the old label; provenance records the correction, and the judge's scores of the old label are dropped.
    """
    was = row_label(old.record, old.messages)
    messages = [dict(message) for message in old.messages]
    answer = _answer(messages)
    if answer is not None and _label(answer.get("content")) == was:
        answer["content"] = label
    row = editing.replacement(old, messages, number, reviewer_id)
    if isinstance(old.record, dict) and "label" in old.record:
        row.record = {**old.record, "label": label}
    row.provenance = {
        **row.provenance,
        "label_correction": {"from": was, "to": label, "by": str(reviewer_id), "source": "review"},
    }
    return row
