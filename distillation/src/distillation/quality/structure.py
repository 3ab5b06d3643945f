"""Structure checks: the data type's validators plus the shape of the chat ``messages`` it converts to."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from distillation.datatypes import DEFAULT_CONTEXT, DataType, ValidationContext, conversation_reasons

ROLES = frozenset({"system", "user", "assistant"})


@dataclass(frozen=True)
class StructureResult:
    """Outcome of :func:`check_structure`.

    Attributes:
        record: The parsed, normalised record; None when the data is not a record at all.
        messages: The record's chat view; empty when it did not parse.
        reasons: Every failed check; empty means the example is structurally valid.
    """

    record: BaseModel | None
    messages: list[dict[str, str]]
    reasons: list[str]

    @property
    def ok(self) -> bool:
        """True when the record parsed and every check passed."""
        return self.record is not None and not self.reasons


def check_structure(
    datatype: DataType[Any],
    data: BaseModel | Mapping[str, Any] | str,
    *,
    context: ValidationContext = DEFAULT_CONTEXT,
    system: str | None = None,
) -> StructureResult:
    """Parse, normalise and validate one example, then check its chat view. Never raises for bad data.

    Args:
        datatype: The dataset's data type.
        data: A record, its dict, or raw model output (JSON, fenced or wrapped in prose).
        context: Dataset-level facts (allowed labels, length limits...).
        system: System prompt included in the chat view, if any.
    """
    checked = datatype.check(data, context)
    if checked.record is None:
        return StructureResult(None, [], checked.reasons)
    messages = datatype.to_messages(checked.record, system=system)
    reasons = checked.reasons + [f"messages: {reason}" for reason in check_messages(messages)]
    return StructureResult(checked.record, messages, reasons)


def check_messages(messages: Sequence[Any], *, min_turns: int = 2) -> list[str]:
    """Check a chat ``messages`` list: known roles, non-empty string contents, valid turn order.

    Args:
        messages: The list to check; anything else is reported, not raised.
        min_turns: Minimum number of user/assistant messages.
    """
    if not isinstance(messages, Sequence) or isinstance(messages, str) or not messages:
        return ["messages must be a non-empty list"]
    reasons: list[str] = []
    roles: list[str] = []
    for i, message in enumerate(messages):
        if not isinstance(message, Mapping):
            reasons.append(f"message {i} is not an object")
            continue
        role, content = message.get("role"), message.get("content")
        if role not in ROLES:
            reasons.append(f"message {i} has an unknown role {role!r}")
        else:
            roles.append(str(role))
        if not isinstance(content, str) or not content.strip():
            reasons.append(f"message {i} has empty or non-text content")
    return reasons + conversation_reasons(roles, min_turns=min_turns)
