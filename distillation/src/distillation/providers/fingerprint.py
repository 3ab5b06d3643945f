"""Deterministic request fingerprints: the cache and resume key of every LLM request."""

from __future__ import annotations

import hashlib
from typing import Any

import orjson

from distillation.providers.types import ChatRequest

FINGERPRINT_VERSION = 1


def fingerprint(request: ChatRequest, model_id: str) -> str:
    """Returns the sha256 hex digest identifying `request` sent to `model_id`.

    The digest covers the "provider:model" id, the generation settings that are set (sorted by
    name; unset settings are left out so adding a new optional setting keeps old fingerprints),
    the prompt-template hash, the messages and the response schema (with its name). Dict keys are
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
        "messages": [[m.role, m.content] for m in request.messages],
        "schema": (
            None
            if request.response_schema is None
            else {"name": request.schema_name, "schema": request.response_schema}
        ),
    }
    return hashlib.sha256(orjson.dumps(payload, option=orjson.OPT_SORT_KEYS)).hexdigest()
