"""``distillery export``: a dataset file into a training format, optionally split."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from rich.console import Console

from distillation.commands.render import bullet_lines, fail, plain
from distillation.export import export
from distillation.formats import FileFormatError, InputLimitError, read_records

SPLIT_NAMES = ("train", "validation", "test")


def parse_splits(text: str | None) -> dict[str, float] | None:
    """``0.8,0.1,0.1`` → train/validation/test; ``train=0.9,test=0.1`` → as named.

    Raises:
        ValueError: The text is neither form.

    Example:
        >>> parse_splits("0.9,0.1")
        {'train': 0.9, 'validation': 0.1}
    """
    if not text:
        return None
    parts = [part.strip() for part in text.split(",") if part.strip()]
    try:
        if all("=" in part for part in parts):
            return {name.strip(): float(value) for name, value in (part.split("=", 1) for part in parts)}
        if len(parts) > len(SPLIT_NAMES) or any("=" in part for part in parts):
            raise ValueError(text)
        return {name: float(part) for name, part in zip(SPLIT_NAMES, parts, strict=False)}
    except ValueError:
        raise ValueError(f"cannot read {text!r}; e.g. 0.8,0.1,0.1 or train=0.9,test=0.1") from None


def export_command(
    file: Path,
    fmt: str,
    output: Path,
    *,
    splits: Mapping[str, float] | None = None,
    style: str | None = None,
    seed: int = 0,
) -> int:
    """Export ``file`` (rows in any view); prints the files written and what was skipped. Returns 0 or 1."""
    console, errors = Console(), Console(stderr=True)
    unreadable: list[str] = []

    def records() -> Iterator[dict[str, Any]]:
        for row in read_records(file):
            if row.record is None:
                unreadable.append(f"line {row.line}: {row.error}")
            else:
                yield row.record

    try:
        result = export(records(), fmt, output, splits=splits, style=style, seed=seed)
    except (ValueError, FileFormatError, InputLimitError) as exc:
        return fail(errors, exc)
    for split, path in sorted(result.paths.items()):
        plain(console, f"{split}: {result.counts.get(split, 0)} rows → {path}")
    if unreadable:
        plain(errors, f"{len(unreadable)} unreadable rows were left out:")
        bullet_lines(errors, unreadable)
    if result.warnings:
        plain(errors, f"{result.skipped} rows skipped; notes:")
        bullet_lines(errors, result.warnings)
    return 0


def push_command(
    file: Path,
    repo_id: str,
    token: str,
    *,
    fmt: str = "parquet",
    splits: Mapping[str, float] | None = None,
    seed: int = 0,
    private: bool = True,
    endpoint: str | None = None,
) -> int:
    """Push ``file`` to a Hub dataset repo as Parquet or JSONL with a dataset card. Returns 0 or 1."""
    from distillation.export import DatasetCardInfo, HubPushError, HubTarget, push_dataset

    console, errors = Console(), Console(stderr=True)
    try:
        target = HubTarget(repo_id, token, private)
        card = DatasetCardInfo(pretty_name=repo_id.split("/", 1)[1])
        records = (row.record for row in read_records(file) if row.record is not None)
        result = push_dataset(
            records,
            target,
            fmt=fmt,
            splits=splits,
            seed=seed,
            card=card,
            endpoint=endpoint,
            progress=lambda line: plain(errors, line),
        )
    except (ValueError, FileFormatError, InputLimitError, HubPushError) as exc:
        return fail(errors, exc)
    for split, count in sorted(result.counts.items()):
        plain(console, f"{split}: {count} rows")
    plain(console, f"pushed to {result.url}")
    return 0
