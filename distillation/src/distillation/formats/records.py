"""The canonical record: an OpenAI-style chat ``messages`` list plus optional metadata.

A tool-calling conversation keeps OpenAI's shape too: the record's ``tools`` (function-tool schemas),
assistant turns with ``tool_calls`` (their content may be null) and ``tool`` turns with the
``tool_call_id`` they answer. Such a record only fits the chat view.

Every other view (Alpaca, ShareGPT, prompt/completion, flat CSV columns) is converted to and from this
shape, so a validator, a writer or a split function only has to understand one record type.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final, NotRequired, TypedDict

__all__ = ["CHAT_ROLES", "ChatRecord", "Message", "RecordError", "has_tools", "validate_chat"]

CHAT_ROLES: Final = ("system", "user", "assistant", "tool")
_MESSAGE_KEYS: Final = frozenset({"role", "content", "weight", "tool_calls", "tool_call_id"})
_RECORD_KEYS: Final = frozenset({"messages", "metadata", "tools"})


class Message(TypedDict):
    """One chat turn.

    ``weight`` (assistant messages only, 0 or 1) follows OpenAI's fine-tuning format: 0 keeps the turn as
    context without training on it.
    """

    role: str
    content: str
    weight: NotRequired[int]
    tool_calls: NotRequired[list[dict[str, Any]]]
    tool_call_id: NotRequired[str]


class ChatRecord(TypedDict):
    """The canonical record: ``{"messages": [...], "metadata": {...}}``."""

    messages: list[Message]
    metadata: NotRequired[dict[str, Any]]
    tools: NotRequired[list[dict[str, Any]]]


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
    if "tools" in record:
        tools = record["tools"]
        if not isinstance(tools, list) or not all(_is_function_tool(tool) for tool in tools):
            raise RecordError(
                "'tools' must be a list of function tools ({'type': 'function', 'function': {'name'}})"
            )
        result["tools"] = [dict(tool) for tool in tools]
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
    calls = message.get("tool_calls")
    if calls is not None and (role != "assistant" or not isinstance(calls, list) or not calls):
        raise RecordError(f"{where}.tool_calls must be a non-empty list, on an assistant message")
    for number, call in enumerate(calls or []):
        if not _is_tool_call(call):
            raise RecordError(
                f"{where}.tool_calls[{number}] must be {{'id', 'type': 'function', 'function': "
                "{'name', 'arguments': JSON text}}"
            )
    if not isinstance(content, str) and not (content is None and calls):
        raise RecordError(f"{where}.content must be a string (or null beside tool_calls)")
    try:
        (content or "").encode("utf-8")
    except UnicodeEncodeError as exc:  # JSON "\ud800" escapes decode to unpaired surrogates
        raise RecordError(f"{where}.content is not valid Unicode (unpaired surrogate)") from exc
    call_id = message.get("tool_call_id")
    if (role == "tool") != isinstance(call_id, str):
        raise RecordError(f"{where}.tool_call_id must be a string, on a tool message (and only there)")
    result: Message = {"role": role, "content": content}  # type: ignore[typeddict-item]  # null with calls
    if calls:
        result["tool_calls"] = [dict(call) for call in calls]
    if isinstance(call_id, str):
        result["tool_call_id"] = call_id
    if "weight" in message:
        weight = message["weight"]
        # bool is an int subclass; True would silently pass as 1.
        if role != "assistant" or isinstance(weight, bool) or weight not in (0, 1):
            raise RecordError(f"{where}.weight must be 0 or 1 and only on assistant messages")
        result["weight"] = weight
    return result


def has_tools(record: Mapping[str, Any]) -> bool:
    """Whether a chat record offers tools or holds tool calls or tool turns (it fits only the chat view)."""
    messages = record.get("messages") or []
    return bool(record.get("tools")) or any(
        isinstance(m, Mapping) and (m.get("tool_calls") or m.get("role") == "tool") for m in messages
    )


def _is_function_tool(tool: object) -> bool:
    if not isinstance(tool, Mapping) or tool.get("type") != "function":
        return False
    function = tool.get("function")
    return isinstance(function, Mapping) and isinstance(function.get("name"), str) and bool(function["name"])


def _is_tool_call(call: object) -> bool:
    if not isinstance(call, Mapping) or call.get("type") != "function" or not isinstance(call.get("id"), str):
        return False
    function = call.get("function")
    return (
        isinstance(function, Mapping)
        and isinstance(function.get("name"), str)
        and isinstance(function.get("arguments"), str)
    )
