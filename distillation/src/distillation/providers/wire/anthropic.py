"""Anthropic messages wire format; structured output through one forced tool call."""

from __future__ import annotations

from typing import Any

import orjson

from distillation.providers.errors import InvalidResponseError, UnsupportedFeatureError
from distillation.providers.types import ChatRequest, Completion, FinishReason, JsonSchema, Usage

_FINISH: dict[str, FinishReason] = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "tool_use": "stop",
    "max_tokens": "length",
    "model_context_window_exceeded": "length",
    "refusal": "content_filter",
}
_WRAP_KEY = "value"


def tool_schema(schema: JsonSchema) -> tuple[JsonSchema, bool]:
    """Tool inputs must be objects: other schemas are wrapped as `{"value": ...}`."""
    if schema.get("type") == "object":
        return schema, False
    return {"type": "object", "properties": {_WRAP_KEY: schema}, "required": [_WRAP_KEY]}, True


def system_blocks(system: str) -> list[dict[str, Any]]:
    """The system prompt as one text block with a prompt-cache breakpoint.

    The breakpoint caches the request's static prefix (the tools, i.e. the forced tool's schema, then
    the system prompt): a later request with the same prefix reads it at the cache-read rate. A
    prefix shorter than the model's minimum (1,024 tokens for most) is simply not cached.
    """
    return [{"type": "text", "text": system, "cache_control": {"type": "ephemeral"}}]


def message_params(model: str, request: ChatRequest, *, default_max_tokens: int) -> dict[str, Any]:
    """Builds the JSON body of `POST /v1/messages` (the system prompt marked for prompt caching)."""
    if request.seed is not None:
        raise UnsupportedFeatureError("the anthropic provider has no `seed` setting; leave it unset")
    system, turns = request.system_and_turns()
    params: dict[str, Any] = {
        "model": model,
        "max_tokens": request.max_tokens or default_max_tokens,
        "messages": [{"role": m.role, "content": m.content} for m in turns],
    }
    optional = {
        "system": system_blocks(system) if system else None,
        "temperature": request.temperature,
        "top_p": request.top_p,
        "stop_sequences": list(request.stop) if request.stop else None,
    }
    params.update({k: v for k, v in optional.items() if v is not None})
    if request.response_schema is not None:
        input_schema, _ = tool_schema(request.response_schema)
        params["tools"] = [
            {"name": request.schema_name, "description": "Return the answer.", "input_schema": input_schema}
        ]
        params["tool_choice"] = {"type": "tool", "name": request.schema_name}
    params.update(request.provider_options)
    return params


def parse_message(body: Any, request: ChatRequest, request_id: str | None = None) -> Completion:
    """Reads a messages response; a forced tool call becomes `Completion.data`."""
    try:
        blocks = body["content"]
        raw_finish = body.get("stop_reason")
        usage = parse_usage(body.get("usage") or {})
        text = "".join(b.get("text", "") for b in blocks if b.get("type") == "text")
        tool_inputs = [b.get("input") for b in blocks if b.get("type") == "tool_use"]
    except (KeyError, TypeError, AttributeError) as exc:
        raise InvalidResponseError(f"not an Anthropic message: {exc!r}") from exc
    data = None
    if tool_inputs and request.response_schema is not None:
        data = _unwrap(tool_inputs[0], request.response_schema)
        text = orjson.dumps(data).decode()
    return Completion(
        text=text,
        finish_reason=_FINISH.get(raw_finish or "end_turn", "other"),
        usage=usage,
        raw_finish_reason=raw_finish,
        data=data,
        response_model=body.get("model"),
        request_id=request_id or body.get("id"),
    )


def parse_usage(usage: dict[str, Any]) -> Usage:
    """Cache reads and writes are billed input, so they are counted in `input_tokens`."""
    cached = int(usage.get("cache_read_input_tokens") or 0)
    written = int(usage.get("cache_creation_input_tokens") or 0)
    return Usage(
        input_tokens=int(usage.get("input_tokens") or 0) + cached + written,
        output_tokens=int(usage.get("output_tokens") or 0),
        cached_input_tokens=cached,
    )


def _unwrap(value: Any, schema: JsonSchema) -> Any:
    _, wrapped = tool_schema(schema)
    if wrapped and isinstance(value, dict):
        return value.get(_WRAP_KEY)
    return value
