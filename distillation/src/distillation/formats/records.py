"""The canonical record: an OpenAI-style chat ``messages`` list plus optional metadata.

Every other view (Alpaca, ShareGPT, prompt/completion, flat CSV columns) is converted to and from this
shape, so a validator, a writer or a split function only has to understand one record type.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final, NotRequired, TypedDict

__all__ = ["CHAT_ROLES", "ChatRecord", "Message", "RecordError", "validate_chat"]

CHAT_ROLES: Final = ("system", "user", "assistant")
_MESSAGE_KEYS: Final = frozenset({"role", "content", "weight"})
_RECORD_KEYS: Final = frozenset({"messages", "metadata"})


class Message(TypedDict):
    """One chat turn.

    ``weight`` (assistant messages only, 0 or 1) follows OpenAI's fine-tuning format: 0 keeps the turn as
    context without training on it.
    """

    role: str
    content: str
    weight: NotRequired[int]


class ChatRecord(TypedDict):
    """The canonical record: ``{"messages": [...], "metadata": {...}}``."""

    messages: list[Message]
    metadata: NotRequired[dict[str, Any]]


class RecordError(ValueError):
    """A record does not have the shape its format requires; the message says which part and why."""


def validate_chat(record: Mapping[str, Any]) -> ChatRecord:
    """Check a canonical chat record and return a normalized copy.

    Args:
        record: A mapping with a ``messages`` list and an optional ``metadata`` object.

    Returns:
        A new record holding only the known keys, safe to mutate.

    Raises:
        RecordError: The record is not a mapping, has unknown keys, no messages, a message with an unknown
            role, non-string content or an invalid ``weight``.

    Example:
        >>> validate_chat({"messages": [{"role": "user", "content": "Hi"}]})["messages"][0]["role"]
        'user'
    """
    if not isinstance(record, Mapping):
        raise RecordError(f"record must be a JSON object, got {type(record).__name__}")
    unknown = sorted(str(key) for key in record if key not in _RECORD_KEYS)
    if unknown:
        raise RecordError(f"unexpected key(s) {unknown}; put extra fields under 'metadata'")
    raw_messages = record.get("messages")
    if not isinstance(raw_messages, list) or not raw_messages:
        raise RecordError("'messages' must be a non-empty list")
    result: ChatRecord = {"messages": [_validate_message(i, m) for i, m in enumerate(raw_messages)]}
    if "metadata" in record:
        metadata = record["metadata"]
        if not isinstance(metadata, Mapping):
            raise RecordError("'metadata' must be a JSON object")
        result["metadata"] = dict(metadata)
    return result


def _validate_message(index: int, message: object) -> Message:
    where = f"messages[{index}]"
    if not isinstance(message, Mapping):
        raise RecordError(f"{where} must be an object")
    unknown = sorted(str(key) for key in message if key not in _MESSAGE_KEYS)
    if unknown:
        raise RecordError(f"{where} has unexpected key(s) {unknown}")
    role = message.get("role")
    if role not in CHAT_ROLES:
        raise RecordError(f"{where}.role must be one of {list(CHAT_ROLES)}, got {role!r}")
    content = message.get("content")
    if not isinstance(content, str):
        raise RecordError(f"{where}.content must be a string")
    try:
        content.encode("utf-8")
    except UnicodeEncodeError as exc:  # JSON "\ud800" escapes decode to unpaired surrogates
        raise RecordError(f"{where}.content is not valid Unicode (unpaired surrogate)") from exc
    result: Message = {"role": role, "content": content}
    if "weight" in message:
        weight = message["weight"]
        # bool is an int subclass; True would silently pass as 1.
        if role != "assistant" or isinstance(weight, bool) or weight not in (0, 1):
            raise RecordError(f"{where}.weight must be 0 or 1 and only on assistant messages")
        result["weight"] = weight
    return result
