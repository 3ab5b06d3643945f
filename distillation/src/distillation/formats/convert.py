"""Conversions between the canonical chat record and the other dataset views.

Views (``RecordFormat``):

* ``chat`` — ``{"messages": [{"role", "content"}], "metadata"?}`` (canonical, OpenAI style).
* ``instruction`` — Alpaca ``{"instruction", "input", "output", "system"?, "history"?}``; multi-turn
  chats keep earlier turns in LLaMA-Factory's ``history`` (``[[user, assistant], ...]``).
* ``sharegpt`` — ``{"conversations": [{"from": "system"|"human"|"gpt", "value"}]}``.
* ``prompt_completion`` — ``{"prompt", "completion"}``.
* ``flat`` — ``{"system"?, "user", "assistant"}``, the column layout of CSV exports.

Single-turn chats round-trip exactly through every view. A conversion that cannot keep everything
returns ``LossyConversion`` notes instead of dropping data silently; one that cannot produce the target
shape at all raises ``ConversionError``. Every view carries ``metadata`` through unchanged.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final

from distillation.formats.records import ChatRecord, Message, RecordError, has_tools, validate_chat

__all__ = [
    "ConversionError",
    "Converted",
    "LossyConversion",
    "RecordFormat",
    "detect_format",
    "from_chat",
    "to_chat",
]


class RecordFormat(StrEnum):
    """The record views the library reads and writes."""

    CHAT = "chat"
    INSTRUCTION = "instruction"
    SHAREGPT = "sharegpt"
    PROMPT_COMPLETION = "prompt_completion"
    FLAT = "flat"


class ConversionError(RecordError):
    """The record cannot be expressed in the target view at all (e.g. it does not end with an answer)."""


@dataclass(frozen=True, slots=True)
class LossyConversion:
    """A note that a conversion changed or dropped part of a record.

    Attributes:
        kind: A stable key for grouping notes (``"history"``, ``"context_flattened"``, ``"weight_dropped"``,
            ``"ignored_keys"``).
        detail: A sentence a person can act on.
    """

    kind: str
    detail: str


@dataclass(frozen=True, slots=True)
class Converted:
    """The result of a conversion: the new record and what, if anything, was lost on the way."""

    record: dict[str, Any]
    notes: tuple[LossyConversion, ...] = ()

    @property
    def lossy(self) -> bool:
        """Whether the conversion lost or reshaped information."""
        return bool(self.notes)


_SHAREGPT_TO_ROLE: Final = {
    "system": "system",
    "human": "user",
    "user": "user",
    "gpt": "assistant",
    "assistant": "assistant",
}
_ROLE_TO_SHAREGPT: Final = {"system": "system", "user": "human", "assistant": "gpt"}
_KNOWN_KEYS: Final = {
    RecordFormat.INSTRUCTION: frozenset({"instruction", "input", "output", "system", "history", "metadata"}),
    RecordFormat.SHAREGPT: frozenset({"conversations", "system", "metadata"}),
    RecordFormat.PROMPT_COMPLETION: frozenset({"prompt", "completion", "metadata"}),
    RecordFormat.FLAT: frozenset({"system", "user", "assistant", "metadata"}),
}


def detect_format(record: Mapping[str, Any]) -> RecordFormat | None:
    """Guess a record's view from its keys.

    Args:
        record: A parsed record.

    Returns:
        The view, or ``None`` when the keys match none.
    """
    if "messages" in record:
        return RecordFormat.CHAT
    if "conversations" in record:
        return RecordFormat.SHAREGPT
    if "instruction" in record and "output" in record:
        return RecordFormat.INSTRUCTION
    if "prompt" in record and "completion" in record:
        return RecordFormat.PROMPT_COMPLETION
    if "user" in record and "assistant" in record:
        return RecordFormat.FLAT
    return None


def to_chat(record: Mapping[str, Any], source: RecordFormat | str | None = None) -> Converted:
    """Convert a record of any known view to the canonical chat record.

    Args:
        record: The record to convert.
        source: Its view; detected from the keys when omitted.

    Returns:
        The chat record and notes about anything that was ignored.

    Raises:
        ConversionError: The view is unknown or the record is malformed for it.

    Example:
        >>> to_chat({"instruction": "Add", "input": "1+1", "output": "2"}).record["messages"][0]
        {'role': 'user', 'content': 'Add\\n1+1'}
    """
    if not isinstance(record, Mapping):
        raise ConversionError(f"record must be a JSON object, got {type(record).__name__}")
    fmt = RecordFormat(source) if source is not None else detect_format(record)
    if fmt is None:
        keys = ", ".join(sorted(map(str, record))[:10]) or "none"
        raise ConversionError(
            f"unrecognized record format: its keys ({keys}) match no known view; expected messages,"
            " conversations, instruction + output, prompt + completion or user + assistant"
        )
    if fmt is RecordFormat.CHAT:
        if not isinstance(record.get("metadata"), str | None) or "metadata" not in record:
            return Converted(dict(validate_chat(record)))
        # Table exports (CSV, Parquet) hold metadata as JSON text, and a row without any as null.
        metadata, notes = _metadata(record["metadata"])
        rest = {key: value for key, value in record.items() if key != "metadata"}
        return Converted(
            dict(validate_chat(rest | ({"metadata": metadata} if metadata is not None else {}))), notes
        )
    notes = _ignored_keys(record, _KNOWN_KEYS[fmt])
    converted = _TO_CHAT[fmt](record)
    return Converted(converted.record, notes + converted.notes)


def from_chat(record: Mapping[str, Any], target: RecordFormat | str) -> Converted:
    """Convert a canonical chat record to another view.

    Args:
        record: A canonical chat record (validated here).
        target: The view to produce.

    Returns:
        The converted record and notes about what the target view could not keep.

    Raises:
        RecordError: The chat record is invalid.
        ConversionError: The chat cannot be expressed in ``target`` (e.g. it does not end with an
            assistant turn).
    """
    chat = validate_chat(record)
    fmt = RecordFormat(target)
    if fmt is not RecordFormat.CHAT and has_tools(chat):
        raise ConversionError(f"a tool-calling conversation fits only the chat view, not {fmt.value}")
    return _FROM_CHAT[fmt](chat)


# --- chat -> views ------------------------------------------------------------------------------------


def _chat_identity(chat: ChatRecord) -> Converted:
    return Converted(dict(chat))


def _chat_to_instruction(chat: ChatRecord) -> Converted:
    system, turns = _alternating_turns(chat)
    *history, (instruction, output) = turns
    out: dict[str, Any] = {"instruction": instruction, "input": "", "output": output}
    notes = _weight_notes(chat)
    if system is not None:
        out["system"] = system
    if history:
        out["history"] = [[user, assistant] for user, assistant in history]
        notes += (
            LossyConversion(
                "history",
                f"{len(history)} earlier turn(s) kept in 'history' (plain Alpaca readers ignore it)",
            ),
        )
    return Converted(_with_metadata(out, chat), notes)


def _chat_to_sharegpt(chat: ChatRecord) -> Converted:
    _alternating_turns(chat)
    conversations = [{"from": _ROLE_TO_SHAREGPT[m["role"]], "value": m["content"]} for m in chat["messages"]]
    return Converted(_with_metadata({"conversations": conversations}, chat), _weight_notes(chat))


def _chat_to_prompt_completion(chat: ChatRecord) -> Converted:
    prompt, completion, notes = _flatten(chat)
    return Converted(_with_metadata({"prompt": prompt, "completion": completion}, chat), notes)


def _chat_to_flat(chat: ChatRecord) -> Converted:
    messages = chat["messages"]
    if [m["role"] for m in messages] == ["system", "user", "assistant"]:
        out = {"system": messages[0]["content"], "user": messages[1]["content"]}
        return Converted(
            _with_metadata({**out, "assistant": messages[2]["content"]}, chat), _weight_notes(chat)
        )
    user, assistant, notes = _flatten(chat)
    return Converted(_with_metadata({"system": "", "user": user, "assistant": assistant}, chat), notes)


def _flatten(chat: ChatRecord) -> tuple[str, str, tuple[LossyConversion, ...]]:
    """Split a chat into (context as one string, final answer); plain text when the context is one turn."""
    *context, last = chat["messages"]
    if last["role"] != "assistant" or not context:
        raise ConversionError("a chat needs at least one message before a final assistant message")
    notes = _weight_notes(chat)
    if len(context) == 1 and context[0]["role"] == "user":
        return context[0]["content"], last["content"], notes
    rendered = "\n\n".join(f"{m['role'].capitalize()}: {m['content']}" for m in context)
    note = LossyConversion(
        "context_flattened",
        f"{len(context)} context message(s) rendered into one text with role labels",
    )
    return rendered, last["content"], (*notes, note)


def _alternating_turns(chat: ChatRecord) -> tuple[str | None, list[tuple[str, str]]]:
    """Return (system, [(user, assistant), ...]) or explain why the chat has another shape."""
    messages = list(chat["messages"])
    system = messages.pop(0)["content"] if messages[0]["role"] == "system" else None
    roles = [m["role"] for m in messages]
    expected = ["user", "assistant"] * (len(messages) // 2)
    if not messages or len(messages) % 2 or roles != expected:
        raise ConversionError(
            "expected an optional first system message, then alternating user/assistant turns ending "
            f"with assistant; got roles {[m['role'] for m in chat['messages']]}"
        )
    return system, [(messages[i]["content"], messages[i + 1]["content"]) for i in range(0, len(messages), 2)]


def _weight_notes(chat: ChatRecord) -> tuple[LossyConversion, ...]:
    if any("weight" in m for m in chat["messages"]):
        return (LossyConversion("weight_dropped", "per-message 'weight' has no place in this format"),)
    return ()


def _with_metadata(out: dict[str, Any], source: Mapping[str, Any]) -> dict[str, Any]:
    if "metadata" in source:
        out["metadata"] = source["metadata"]
    return out


# --- views -> chat ------------------------------------------------------------------------------------


def _instruction_to_chat(record: Mapping[str, Any]) -> Converted:
    instruction = _text(record, "instruction")
    extra = _text(record, "input", required=False)
    messages: list[Message] = []
    if system := _text(record, "system", required=False):
        messages.append({"role": "system", "content": system})
    history = record.get("history") or []
    if not isinstance(history, list):
        raise ConversionError("'history' must be a list of [user, assistant] pairs")
    for i, pair in enumerate(history):
        if not (isinstance(pair, list) and len(pair) == 2 and all(isinstance(p, str) for p in pair)):
            raise ConversionError(f"history[{i}] must be a [user, assistant] pair of strings")
        messages += [{"role": "user", "content": pair[0]}, {"role": "assistant", "content": pair[1]}]
    user = f"{instruction}\n{extra}" if extra else instruction
    messages += [{"role": "user", "content": user}, {"role": "assistant", "content": _text(record, "output")}]
    return _chat_result(messages, record)


def _sharegpt_to_chat(record: Mapping[str, Any]) -> Converted:
    conversations = record.get("conversations")
    if not isinstance(conversations, list) or not conversations:
        raise ConversionError("'conversations' must be a non-empty list")
    messages: list[Message] = []
    if system := _text(record, "system", required=False):
        messages.append({"role": "system", "content": system})
    for i, turn in enumerate(conversations):
        if not isinstance(turn, Mapping):
            raise ConversionError(f"conversations[{i}] must be an object")
        speaker = turn.get("from")
        role = _SHAREGPT_TO_ROLE.get(speaker) if isinstance(speaker, str) else None
        if role is None:
            allowed = sorted(_SHAREGPT_TO_ROLE)
            raise ConversionError(f"conversations[{i}].from must be one of {allowed}, got {speaker!r}")
        messages.append({"role": role, "content": _text(turn, "value", where=f"conversations[{i}].")})
    return _chat_result(messages, record)


def _prompt_completion_to_chat(record: Mapping[str, Any]) -> Converted:
    messages: list[Message] = [
        {"role": "user", "content": _text(record, "prompt")},
        {"role": "assistant", "content": _text(record, "completion")},
    ]
    return _chat_result(messages, record)


def _flat_to_chat(record: Mapping[str, Any]) -> Converted:
    messages: list[Message] = []
    if system := _text(record, "system", required=False):
        messages.append({"role": "system", "content": system})
    messages.append({"role": "user", "content": _text(record, "user")})
    messages.append({"role": "assistant", "content": _text(record, "assistant")})
    return _chat_result(messages, record)


def _chat_result(messages: list[Message], record: Mapping[str, Any]) -> Converted:
    out: dict[str, Any] = {"messages": messages}
    metadata, notes = _metadata(record.get("metadata"))
    if metadata is not None:
        out["metadata"] = metadata
    return Converted(dict(validate_chat(out)), notes)


def _metadata(value: Any) -> tuple[dict[str, Any] | None, tuple[LossyConversion, ...]]:
    """A record's metadata as an object; CSV cells and Parquet columns hold it as JSON text."""
    if isinstance(value, str) and value:
        try:
            value = json.loads(value)
        except (ValueError, RecursionError):
            value = False
    if isinstance(value, Mapping):
        return dict(value), ()
    if value in (None, ""):
        return None, ()
    return None, (LossyConversion("ignored_keys", "'metadata' is not a JSON object; dropped"),)


def _text(record: Mapping[str, Any], key: str, *, required: bool = True, where: str = "") -> str:
    value = record.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str):
        raise ConversionError(f"'{where}{key}' must be a string")
    return value


def _ignored_keys(record: Mapping[str, Any], known: frozenset[str]) -> tuple[LossyConversion, ...]:
    ignored = sorted(str(key) for key in record if key not in known)
    return (LossyConversion("ignored_keys", f"ignored key(s) {ignored}"),) if ignored else ()


_TO_CHAT: Final[dict[RecordFormat, Callable[[Mapping[str, Any]], Converted]]] = {
    RecordFormat.INSTRUCTION: _instruction_to_chat,
    RecordFormat.SHAREGPT: _sharegpt_to_chat,
    RecordFormat.PROMPT_COMPLETION: _prompt_completion_to_chat,
    RecordFormat.FLAT: _flat_to_chat,
}
_FROM_CHAT: Final[dict[RecordFormat, Callable[[ChatRecord], Converted]]] = {
    RecordFormat.CHAT: _chat_identity,
    RecordFormat.INSTRUCTION: _chat_to_instruction,
    RecordFormat.SHAREGPT: _chat_to_sharegpt,
    RecordFormat.PROMPT_COMPLETION: _chat_to_prompt_completion,
    RecordFormat.FLAT: _chat_to_flat,
}
