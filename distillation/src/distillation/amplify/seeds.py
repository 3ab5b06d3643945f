"""The user's seed examples: ``{input, output}`` pairs from a list or a JSON / JSONL / CSV file."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from pydantic import BaseModel, ValidationError

from distillation.formats import ReadLimits, read_records

SeedSource = Sequence[Mapping[str, Any]] | str | Path


class SeedError(ValueError):
    """The seed examples cannot be used; the message names the example (or line) and the problem."""


@dataclass(frozen=True)
class Pair:
    """One input/output example.

    Attributes:
        key: ``seed-0003`` for the user's examples, ``amplified-000123`` for written ones.
        input: What the user sends.
        output: The expected answer; with a ``response_model``, its JSON.
        reasoning: The teacher's chain of thought (seeds only, when the trace succeeded).
    """

    key: str
    input: str
    output: str
    reasoning: str | None = None

    def exemplar(self) -> dict[str, str]:
        """The pair as a prompt exemplar: ``{input, output, reasoning}``."""
        return {"input": self.input, "output": self.output, "reasoning": self.reasoning or ""}

    def messages(self, instruction: str) -> list[dict[str, str]]:
        """The pair as a chat with the instruction as system prompt."""
        return [
            {"role": "system", "content": instruction},
            {"role": "user", "content": self.input},
            {"role": "assistant", "content": self.output},
        ]

    def text(self) -> str:
        """The text compared for near-duplicates."""
        return f"{self.input}\n{self.output}"


def load_seeds(source: SeedSource, response_model: type[BaseModel] | None = None) -> list[Pair]:
    """Read and check the seed examples.

    Args:
        source: A list of ``{"input": ..., "output": ...}`` dicts, or the path of a JSON, JSONL or CSV
            file holding them (CSV columns ``input`` and ``output``).
        response_model: When given, every output must validate against it (a dict or its JSON).

    Returns:
        The seeds, in order, keyed ``seed-0000``, ``seed-0001``...

    Raises:
        SeedError: No seeds, or an example without a usable input or output.

    Example:
        >>> [p.key for p in load_seeds([{"input": "2+2?", "output": "4"}])]
        ['seed-0000']
    """
    if isinstance(source, str | Path):
        items = _read_file(Path(source))
    else:
        items = [(f"example {number}", item) for number, item in enumerate(source, start=1)]
    if not items:
        raise SeedError("no seed examples: give at least one {input, output} pair")
    return [
        Pair(f"seed-{index:04d}", *_pair(where, item, response_model))
        for index, (where, item) in enumerate(items)
    ]


def read_seed_examples(
    stream: IO[bytes], *, max_examples: int = 200, max_bytes: int = 4 << 20, max_chars: int = 20_000
) -> tuple[list[Pair], list[tuple[int, str]]]:
    """Read pasted or uploaded seed examples (JSONL, a JSON array or CSV with ``input,output`` columns).

    Unlike :func:`load_seeds` it does not stop at the first bad example: every good one is returned, and
    every bad one as (line, reason), so a person can fix them all at once.

    Raises:
        FileFormatError: The text cannot be read as any of the layouts.
        InputLimitError: More than ``max_examples`` rows or ``max_bytes`` bytes.

    An input or output longer than ``max_chars`` is a bad example.

    Example:
        >>> import io
        >>> text = b'{"input": "2+2?", "output": "4"}\\n{"input": ""}\\n'
        >>> pairs, bad = read_seed_examples(io.BytesIO(text))
        >>> [p.input for p in pairs], bad
        (['2+2?'], [(2, "'input' must be non-empty text")])
    """
    limits = ReadLimits(max_rows=max_examples, max_total_bytes=max_bytes)
    pairs: list[Pair] = []
    bad: list[tuple[int, str]] = []
    for row in read_records(stream, limits=limits):
        if row.record is None:
            bad.append((row.line, row.error or "unreadable"))
            continue
        try:
            text, output = _pair("", row.record, None)
        except SeedError as exc:
            bad.append((row.line, str(exc).removeprefix(": ")))
            continue
        if max(len(text), len(output)) > max_chars:
            bad.append((row.line, f"an input or output is longer than {max_chars:,} characters"))
            continue
        pairs.append(Pair(f"seed-{len(pairs):04d}", text, output))
    return pairs, bad


def output_text(value: Any, response_model: type[BaseModel] | None) -> str:
    """An output as text: validated and dumped as JSON with a ``response_model``, else a non-empty string.

    Raises:
        ValueError: The output is empty or does not satisfy ``response_model``.
    """
    if response_model is not None:
        try:
            if isinstance(value, str):
                model = response_model.model_validate_json(value)
            else:
                model = response_model.model_validate(value)
        except ValidationError as exc:
            raise ValueError(f"output does not match {response_model.__name__}: {_brief(exc)}") from None
        return json.dumps(model.model_dump(mode="json"), ensure_ascii=False)
    if not isinstance(value, str) or not value.strip():
        raise ValueError("output must be non-empty text")
    return value.strip()


def _read_file(path: Path) -> list[tuple[str, Mapping[str, Any]]]:
    if not path.is_file():
        raise SeedError(f"seed file {path} does not exist")
    items: list[tuple[str, Mapping[str, Any]]] = []
    for row in read_records(path):
        if row.record is None:
            raise SeedError(f"{path.name} line {row.line}: {row.error}")
        items.append((f"{path.name} line {row.line}", row.record))
    return items


def _pair(where: str, item: Mapping[str, Any], response_model: type[BaseModel] | None) -> tuple[str, str]:
    if not isinstance(item, Mapping):
        raise SeedError(f"{where}: expected an object with 'input' and 'output'")
    value = item.get("input")
    if not isinstance(value, str) or not value.strip():
        raise SeedError(f"{where}: 'input' must be non-empty text")
    try:
        return value.strip(), output_text(item.get("output"), response_model)
    except ValueError as exc:
        raise SeedError(f"{where}: {exc}") from None


def _brief(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "value"
    more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    return f"{where}: {first['msg']}{more}"
