"""Deterministic request fingerprints: the cache and resume key of every LLM request."""

from __future__ import annotations

import hashlib
from typing import Any

import orjson

from distillation.providers.types import ChatRequest, Message

FINGERPRINT_VERSION = 1


def fingerprint(request: ChatRequest, model_id: str) -> str:
    """Returns the sha256 hex digest identifying `request` sent to `model_id`.

    The digest covers the "provider:model" id, the generation settings that are set (sorted by
    name; unset settings are left out so adding a new optional setting keeps old fingerprints),
    the prompt-template hash, the messages (with their tool calls and results) and the response
    schema (with its name), and the tools offered when there are any. Dict keys are
    sorted at every level, so two equal requests always hash the same, across processes and runs.

    Example:
        >>> a = ChatRequest.from_prompt("hi", temperature=0.0)
        >>> fingerprint(a, "openai:gpt-4o-mini") == fingerprint(a, "openai:gpt-4o-mini")
        True
    """
    payload: dict[str, Any] = {
        "v": FINGERPRINT_VERSION,
        "model": model_id,
        "settings": request.settings(),
        "template": request.template_hash,
        "messages": [_message(m) for m in request.messages],
        "schema": (
            None
            if request.response_schema is None
            else {"name": request.schema_name, "schema": request.response_schema}
        ),
    }
    if request.tools:  # only when set: a request without tools keeps its fingerprint
        payload["tools"] = {"tools": list(request.tools), "choice": request.tool_choice}
    return hashlib.sha256(orjson.dumps(payload, option=orjson.OPT_SORT_KEYS)).hexdigest()


def _message(message: Message) -> list[Any]:
    fields: list[Any] = [message.role, message.content]
    if message.tool_calls or message.tool_call_id is not None:
        fields.append({"tool_calls": list(message.tool_calls), "tool_call_id": message.tool_call_id})
    return fields
