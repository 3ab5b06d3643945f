"""Pull one JSON object out of messy model output: code fences, surrounding prose, truncation."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import json_repair

_FENCE = re.compile(r"```[ \t]*(?:json[c5]?|JSON)?[ \t]*\n?(.*?)(?:```|\Z)", re.DOTALL)
_MAX_OBJECT_STARTS = 16
_THINK = re.compile(r"<think>.*?</think>", re.DOTALL | re.IGNORECASE)


@dataclass(frozen=True)
class JsonExtraction:
    """Result of :func:`extract_json_object`.

    Attributes:
        value: The object found, or None.
        error: Why nothing usable was found (None on success).
        repaired: True when the JSON had to be repaired (truncated, trailing commas, single quotes...).
        notes: How the object was found, for the row's provenance.
    """

    value: dict[str, Any] | None
    error: str | None = None
    repaired: bool = False
    notes: list[str] = field(default_factory=list)


def extract_json_object(text: str) -> JsonExtraction:
    """Find the JSON object in a model's reply. Never raises.

    Tries, in order: the whole text, each fenced code block, the first balanced ``{...}`` span, and
    finally ``json_repair`` on the text from the first ``{`` (which closes truncated output).

    Args:
        text: Raw model output.

    Returns:
        The object, or an error saying why none was found.

    Example:
        >>> extract_json_object('Sure! ```json\\n{"a": 1}\\n```').value
        {'a': 1}
    """
    cleaned = _THINK.sub("", text or "").strip()
    if not cleaned:
        return JsonExtraction(None, "empty output")
    for label, candidate in _candidates(cleaned):
        value = _strict_object(candidate)
        if value is not None:
            return JsonExtraction(value, notes=[label] if label != "whole" else [])
    return _repaired(cleaned)


def _candidates(text: str) -> list[tuple[str, str]]:
    found = [("whole", text)]
    found.extend(("code fence", match.group(1).strip()) for match in _FENCE.finditer(text))
    found.extend(("object in prose", span) for span in _balanced_objects(text))
    return found


def _strict_object(candidate: str) -> dict[str, Any] | None:
    try:
        value = json.loads(candidate)
    except (json.JSONDecodeError, RecursionError):
        return None
    return _unwrap(value)


def _unwrap(value: Any) -> dict[str, Any] | None:
    # A one-element list around the object is a common model habit.
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    return value if isinstance(value, dict) else None


def _repaired(text: str) -> JsonExtraction:
    start = text.find("{")
    if start < 0:
        return JsonExtraction(None, "no JSON object in output")
    fenced = _FENCE.search(text)
    source = fenced.group(1) if fenced and "{" in fenced.group(1) else text[start:]
    try:
        value = json_repair.loads(source)
    except Exception as exc:  # json_repair documents no exception contract; never let it crash a run
        return JsonExtraction(None, f"unrepairable JSON: {exc}")
    obj = _unwrap(value)
    if not obj:
        return JsonExtraction(None, "no JSON object in output")
    return JsonExtraction(obj, repaired=True, notes=["repaired JSON"])


def _balanced_objects(text: str) -> list[str]:
    """Return the ``{...}`` spans whose braces balance (ignoring braces inside strings), outermost first."""
    spans: list[str] = []
    start = text.find("{")
    # Each attempt scans forward from a brace; a few cover real replies without going quadratic.
    for _ in range(_MAX_OBJECT_STARTS):
        if start < 0:
            break
        end = _matching_brace(text, start)
        if end is not None:
            spans.append(text[start : end + 1])
            start = text.find("{", end + 1)
        else:
            start = text.find("{", start + 1)
    return spans


def _matching_brace(text: str, start: int) -> int | None:
    depth, in_string, escaped = 0, False, False
    for position in range(start, len(text)):
        char = text[position]
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
            continue
        if char == '"':
            in_string = True
        elif char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return position
    return None
