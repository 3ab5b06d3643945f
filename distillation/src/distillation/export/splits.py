"""Deterministic train/validation/test splits.

A record's split depends only on the seed and a hash of its ``messages``, never on its position or on
other records: re-exporting the same data, or the same data plus new rows, keeps every old row in its
split, and identical conversations always land together (no train/test leakage through duplicates).
Metadata is left out of the hash so that re-scoring a row never moves it. With few records the split
sizes follow the ratios only approximately.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from typing import Any, Final

__all__ = ["DEFAULT_SPLITS", "assign_split", "split_key", "validate_splits"]

DEFAULT_SPLITS: Final[Mapping[str, float]] = {"train": 0.8, "validation": 0.1, "test": 0.1}
_NAME: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
_TOLERANCE: Final = 1e-9


def validate_splits(ratios: Mapping[str, float]) -> dict[str, float]:
    """Check split ratios and return them ordered by name (the order ``assign_split`` uses).

    Raises:
        ValueError: A name is not a safe file name, a ratio is negative, or they do not sum to 1.
    """
    if not ratios:
        raise ValueError("at least one split is required")
    for name, ratio in ratios.items():
        # Split names become file names, so nothing that could climb out of the export directory.
        if not _NAME.fullmatch(name):
            raise ValueError(f"split name {name!r} must be letters, digits, '_' or '-' (at most 64)")
        if not 0 <= ratio <= 1:
            raise ValueError(f"split {name!r}: ratio must be between 0 and 1, got {ratio}")
    if abs(sum(ratios.values()) - 1) > _TOLERANCE:
        raise ValueError(f"split ratios must sum to 1, got {sum(ratios.values())}")
    return {name: float(ratios[name]) for name in sorted(ratios)}


def split_key(record: Mapping[str, Any]) -> bytes:
    """The bytes hashed to place a record: its canonical ``messages`` JSON (or the whole record)."""
    content = record["messages"] if "messages" in record else record
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def assign_split(record: Mapping[str, Any], ratios: Mapping[str, float], *, seed: int = 0) -> str:
    """The split a record belongs to.

    Args:
        record: A canonical chat record (other shapes are hashed whole).
        ratios: Split name to fraction; must sum to 1. Mapping order does not matter.
        seed: Changes the assignment of every record at once.

    Returns:
        The split name.

    Example:
        >>> record = {"messages": [{"role": "user", "content": "Hi"}]}
        >>> a = assign_split(record, {"train": 0.5, "test": 0.5})
        >>> a == assign_split(record, {"test": 0.5, "train": 0.5})
        True
    """
    ordered = validate_splits(ratios)
    digest = hashlib.sha256(f"{seed}\x00".encode() + split_key(record)).digest()
    point = int.from_bytes(digest[:8], "big") / 2**64
    cumulative = 0.0
    names = [name for name, ratio in ordered.items() if ratio > 0]
    for name in names:
        cumulative += ordered[name]
        if point < cumulative:
            return name
    return names[-1]  # float rounding can leave the last sliver of [0, 1) unassigned
