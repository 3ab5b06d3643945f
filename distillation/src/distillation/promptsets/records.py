"""The typed prompt of a prompt set, the column mapping that builds it, and its dedup fingerprint."""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from pydantic import BaseModel, ConfigDict, Field

PROMPT_FIELDS: Final = ("prompt", "question", "query", "instruction", "input", "text", "user")
SYSTEM_FIELDS: Final = ("system", "system_prompt")
REFERENCE_FIELDS: Final = (
    "reference",
    "answer",
    "response",
    "completion",
    "output",
    "expected",
    "ideal",
    "target",
    "assistant",
)
ROLES: Final = frozenset({"system", "user", "assistant", "tool"})


class PromptError(ValueError):
    """One record cannot become a prompt; the message says why."""


class PromptRecord(BaseModel):
    """One prompt to answer, with what the source said about it.

    Attributes:
        messages: The conversation to answer, oldest first (``{"role", "content"}``, plus
            ``tool_calls`` / ``tool_call_id`` where the source had them); it ends with a user turn.
        tools: The OpenAI ``tools`` offered with the request, if any.
        variables: The source's other fields (template variables), as read.
        reference: A reference answer from the source, if any (a logged final assistant turn too).
        line: 1-based line of the source file (row number for Parquet and Arrow).
        fingerprint: Hash of the normalized messages and tools: equal prompts share it (dedup key).
    """

    model_config = ConfigDict(frozen=True)

    messages: list[dict[str, Any]] = Field(min_length=1)
    tools: list[dict[str, Any]] | None = None
    variables: dict[str, Any] = Field(default_factory=dict)
    reference: str | None = None
    line: int
    fingerprint: str

    @property
    def uses_tools(self) -> bool:
        """Whether the prompt offers tools or holds tool calls or tool results."""
        return bool(self.tools) or any(m.get("role") == "tool" or m.get("tool_calls") for m in self.messages)

    @property
    def prompt_text(self) -> str:
        """The last user turn (what a sample view shows)."""
        users = [m.get("content") or "" for m in self.messages if m.get("role") == "user"]
        return str(users[-1]) if users else ""


@dataclass(frozen=True, slots=True)
class PromptMapping:
    """Which fields of a source record hold the prompt, the system prompt, the reference and variables.

    Every field left ``None`` is detected per record: a ``messages`` array (an OpenAI chat-completions
    request, also wrapped as a batch line ``{"body": {...}}``) is the conversation; otherwise the first
    of ``PROMPT_FIELDS`` present is the prompt (Alpaca's ``instruction`` and ``input`` are joined), of
    ``SYSTEM_FIELDS`` the system prompt and of ``REFERENCE_FIELDS`` the reference answer.

    Attributes:
        prompt_field: The user prompt's field.
        system_field: The system prompt's field.
        reference_field: The reference answer's field.
        variable_fields: Fields kept as variables; every other unused scalar field when ``None``.
        messages_field: The chat messages' field.
    """

    prompt_field: str | None = None
    system_field: str | None = None
    reference_field: str | None = None
    variable_fields: tuple[str, ...] | None = None
    messages_field: str = "messages"


def to_prompt(record: Mapping[str, Any], line: int, mapping: PromptMapping | None = None) -> PromptRecord:
    """The prompt held by one source record.

    Raises:
        PromptError: The record holds no usable prompt (the message says why).

    Example:
        >>> to_prompt({"question": "Why is the sky blue?", "topic": "physics"}, 2).variables
        {'topic': 'physics'}
    """
    mapping = mapping or PromptMapping()
    body = record.get("body")
    if mapping.messages_field not in record and isinstance(body, Mapping) and mapping.messages_field in body:
        variables = {k: v for k, v in record.items() if k != "body" and _scalar(v)}
        return _from_chat(body, line, mapping, variables)
    if mapping.messages_field in record and mapping.prompt_field is None:
        return _from_chat(record, line, mapping, None)
    return _from_columns(record, line, mapping)


def fingerprint(messages: Sequence[Mapping[str, Any]], tools: Sequence[Any] | None = None) -> str:
    """The dedup key of a prompt: case, Unicode form and runs of whitespace do not matter.

    Example:
        >>> fingerprint([{"role": "user", "content": "Hi  there"}]) == fingerprint(
        ...     [{"role": "user", "content": "hi there "}])
        True
    """
    normalized = [
        {**m, "content": _normal(m["content"]) if isinstance(m.get("content"), str) else m.get("content")}
        for m in messages
    ]
    payload = json.dumps([normalized, tools or None], sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()


def _normal(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).strip().casefold()


def _from_chat(
    source: Mapping[str, Any], line: int, mapping: PromptMapping, variables: dict[str, Any] | None
) -> PromptRecord:
    raw = source.get(mapping.messages_field)
    if not isinstance(raw, list) or not raw:
        raise PromptError(f"{mapping.messages_field!r} must be a non-empty array of messages")
    messages = [_message(item, number) for number, item in enumerate(raw, start=1)]
    tools = source.get("tools")
    if tools is not None and not (isinstance(tools, list) and all(isinstance(t, dict) for t in tools)):
        raise PromptError("'tools' must be an array of objects")
    reference = None
    if messages[-1]["role"] == "assistant" and not messages[-1].get("tool_calls"):
        reference = messages.pop()["content"]  # a logged answer: the prompt is what came before it
    if not any(m["role"] == "user" for m in messages):
        raise PromptError("the messages hold no user turn")
    if messages[-1]["role"] == "system":
        raise PromptError("the messages end with a system turn")
    if variables is None:
        used = {mapping.messages_field, "tools"}
        variables = {k: v for k, v in source.items() if k not in used and _scalar(v)}
    return PromptRecord(
        messages=messages,
        tools=tools or None,
        variables=variables,
        reference=reference,
        line=line,
        fingerprint=fingerprint(messages, tools),
    )


def _message(item: object, number: int) -> dict[str, Any]:
    if not isinstance(item, Mapping):
        raise PromptError(f"message {number} is not an object")
    role = item.get("role")
    if role == "developer":  # OpenAI's newer name for the system role
        role = "system"
    if role not in ROLES:
        raise PromptError(f"message {number} has an unknown role {role!r}")
    content = _content(item.get("content"), number)
    message: dict[str, Any] = {"role": role, "content": content}
    for key in ("tool_calls", "tool_call_id", "name"):
        if item.get(key) is not None:
            message[key] = item[key]
    if not content and not message.get("tool_calls"):
        raise PromptError(f"message {number} ({role}) has no content")
    return message


def _content(content: object, number: int) -> str:
    """Text content; OpenAI content parts are joined when they are all text."""
    if content is None or isinstance(content, str):
        return content or ""
    if isinstance(content, list):
        texts = []
        for part in content:
            if not isinstance(part, Mapping) or part.get("type") != "text":
                kind = part.get("type") if isinstance(part, Mapping) else type(part).__name__
                raise PromptError(f"message {number} has a {kind!r} content part; only text is supported")
            texts.append(str(part.get("text") or ""))
        return "\n".join(texts)
    raise PromptError(f"message {number} content must be a string or an array of text parts")


def _from_columns(record: Mapping[str, Any], line: int, mapping: PromptMapping) -> PromptRecord:
    prompt_field = (
        mapping.prompt_field or _first(record, PROMPT_FIELDS) or _first(record, PROMPT_FIELDS, empty=True)
    )
    if prompt_field is None:
        known = ", ".join(PROMPT_FIELDS)
        raise PromptError(f"no prompt field (looked for messages, {known}; name one with a mapping)")
    if prompt_field not in record:
        raise PromptError(f"the prompt field {prompt_field!r} is missing")
    prompt = _text(record, prompt_field)
    used = {prompt_field}
    if mapping.prompt_field is None and prompt_field == "instruction" and _text(record, "input"):
        prompt, used = f"{prompt}\n\n{_text(record, 'input')}", used | {"input"}
    if not prompt.strip():
        raise PromptError(f"the prompt field {prompt_field!r} is empty")
    system_field = mapping.system_field or _first(record, SYSTEM_FIELDS)
    reference_field = mapping.reference_field or _first(record, REFERENCE_FIELDS, exclude=used)
    messages: list[dict[str, Any]] = []
    if system_field is not None and _text(record, system_field).strip():
        messages.append({"role": "system", "content": _text(record, system_field)})
    messages.append({"role": "user", "content": prompt})
    reference = _text(record, reference_field) if reference_field is not None else ""
    used |= {f for f in (system_field, reference_field) if f is not None}
    names = mapping.variable_fields
    if names is not None and (missing := [n for n in names if n not in record]):
        raise PromptError(f"the variable field {missing[0]!r} is missing")
    variables = {
        k: v for k, v in record.items() if (k in names if names is not None else k not in used and _scalar(v))
    }
    return PromptRecord(
        messages=messages,
        variables=variables,
        reference=reference or None,
        line=line,
        fingerprint=fingerprint(messages),
    )


def _first(
    record: Mapping[str, Any], names: Sequence[str], *, exclude: set[str] | None = None, empty: bool = False
) -> str | None:
    """The record's first field (any case) named in ``names`` that has a value (or any, with ``empty``)."""
    lowered = {key.lower(): key for key in record}
    for name in names:
        key = lowered.get(name)
        if key is not None and key not in (exclude or set()) and (empty or record[key] not in (None, "")):
            return key
    return None


def _text(record: Mapping[str, Any], field: str) -> str:
    value = record.get(field)
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if _scalar(value):
        return str(value)
    raise PromptError(f"the field {field!r} holds a {type(value).__name__}, not text")


def _scalar(value: object) -> bool:
    return value is None or isinstance(value, str | int | float | bool)
