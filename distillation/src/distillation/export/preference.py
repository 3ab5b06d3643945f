"""Preference exports: prompt / chosen / rejected rows in ``trl-dpo`` or ``openai-preference`` JSONL.

A preference row (what :class:`~distillation.preference.PreferencePair` writes) is ``{"prompt":
[messages], "chosen": [assistant message], "rejected": [assistant message], "metadata": {...}}``.
Its formats are kept apart from the chat formats of :mod:`distillation.export.registry`, whose
records are one conversation each; ``register_preference_format`` adds one.

- ``trl-dpo``: TRL's conversational preference format, ``{"prompt", "chosen", "rejected"}``, which
  ``datasets.load_dataset("json", ...)`` reads and ``DPOTrainer`` trains on.
- ``openai-preference``: OpenAI's preference (DPO) fine-tuning file, ``{"input": {"messages"},
  "preferred_output", "non_preferred_output"}``.

Both write one JSON object per line with the export's deterministic encoding, so a re-export of the
same rows is byte-identical.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from distillation.export.writers import JsonlEncoder

__all__ = [
    "PreferenceExport",
    "PreferenceFormat",
    "export_preferences",
    "get_preference_format",
    "preference_formats",
    "register_preference_format",
]

Convert = Callable[[Mapping[str, Any]], dict[str, Any]]


@dataclass(frozen=True, slots=True)
class PreferenceFormat:
    """How one preference format writes a row.

    Attributes:
        name: Registry key (``--format``).
        description: One line for ``--help``.
        convert: A checked preference row → the object written (raises ``ValueError`` to skip it).
    """

    name: str
    description: str
    convert: Convert


@dataclass(frozen=True, slots=True)
class PreferenceExport:
    """What an export wrote: the file, the rows written, and the rows skipped with their reasons."""

    path: Path
    written: int
    skipped: int = 0
    warnings: tuple[str, ...] = ()


def _assistant(row: Mapping[str, Any], field: str) -> list[dict[str, Any]]:
    messages = row.get(field)
    if not isinstance(messages, list) or len(messages) != 1:
        raise ValueError(f"{field!r} must be a list of one assistant message")
    message = messages[0]
    if not isinstance(message, Mapping) or message.get("role") != "assistant":
        raise ValueError(f"{field!r} must hold an assistant message")
    content = message.get("content")
    if not isinstance(content, str) or not content.strip():
        raise ValueError(f"{field!r} has no text")
    return [{"role": "assistant", "content": content}]


def _prompt(row: Mapping[str, Any]) -> list[dict[str, Any]]:
    messages = row.get("prompt")
    if not isinstance(messages, list) or not messages:
        raise ValueError("'prompt' must be a non-empty list of messages")
    out = []
    for message in messages:
        if not isinstance(message, Mapping) or not isinstance(message.get("content"), str):
            raise ValueError("every prompt message needs a role and text content")
        out.append({"role": message.get("role"), "content": message["content"]})
    if out[-1]["role"] == "assistant":
        raise ValueError("the prompt ends with an assistant message")
    return out


def trl_dpo(row: Mapping[str, Any]) -> dict[str, Any]:
    """TRL's conversational preference row."""
    return {
        "prompt": _prompt(row),
        "chosen": _assistant(row, "chosen"),
        "rejected": _assistant(row, "rejected"),
    }


def openai_preference(row: Mapping[str, Any]) -> dict[str, Any]:
    """OpenAI's preference fine-tuning line."""
    return {
        "input": {"messages": _prompt(row)},
        "preferred_output": _assistant(row, "chosen"),
        "non_preferred_output": _assistant(row, "rejected"),
    }


_FORMATS: dict[str, PreferenceFormat] = {}


def register_preference_format(spec: PreferenceFormat, *, replace: bool = False) -> None:
    """Add a preference format.

    Raises:
        ValueError: The name is taken and ``replace`` is false.
    """
    if spec.name in _FORMATS and not replace:
        raise ValueError(f"preference format {spec.name!r} is already registered")
    _FORMATS[spec.name] = spec


def preference_formats() -> tuple[str, ...]:
    """Registered preference format names, sorted."""
    return tuple(sorted(_FORMATS))


def get_preference_format(name: str) -> PreferenceFormat:
    """The preference format registered under ``name``.

    Raises:
        ValueError: No such format; the message lists the known ones.
    """
    try:
        return _FORMATS[name]
    except KeyError:
        known = ", ".join(preference_formats())
        raise ValueError(f"unknown preference format {name!r}; choose one of {known}") from None


def export_preferences(rows: Iterable[Mapping[str, Any]], fmt: str, out: str | Path) -> PreferenceExport:
    """Write preference rows in ``fmt`` (JSONL), in the order given; a malformed row is skipped.

    Args:
        rows: Preference rows (``prompt``, ``chosen``, ``rejected``; ``metadata`` is left out).
        fmt: ``trl-dpo``, ``openai-preference`` or a registered format.
        out: The output file.

    Raises:
        ValueError: Unknown format.
    """
    spec = get_preference_format(fmt)
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    encoder = JsonlEncoder()
    written = 0
    warnings: list[str] = []
    temporary = path.with_name(path.name + ".partial")
    with temporary.open("wb") as handle:
        for number, row in enumerate(rows, start=1):
            try:
                converted = spec.convert(row)
            except ValueError as exc:
                warnings.append(f"row {number} skipped: {exc}")
                continue
            handle.write(encoder.encode(converted))
            written += 1
    temporary.replace(path)
    return PreferenceExport(path, written, len(warnings), tuple(warnings))


for _spec in (
    PreferenceFormat("trl-dpo", "TRL conversational preference JSONL (prompt, chosen, rejected)", trl_dpo),
    PreferenceFormat(
        "openai-preference",
        "OpenAI preference fine-tuning JSONL (input, preferred_output, non_preferred_output)",
        openai_preference,
    ),
):
    register_preference_format(_spec)
