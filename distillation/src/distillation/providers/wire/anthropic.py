"""Anthropic messages wire format; structured output through one forced tool call."""

from __future__ import annotations

from typing import Any

import orjson

from distillation.providers.errors import InvalidResponseError, UnsupportedFeatureError
from distillation.providers.tools import call_arguments, normalized_call, tool_parameters
from distillation.providers.types import (
    ChatRequest,
    Completion,
    FinishReason,
    JsonSchema,
    Message,
    ToolCall,
    Usage,
)

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
        "messages": anthropic_messages(turns),
    }
    optional = {
        "system": system_blocks(system) if system else None,
        "temperature": request.temperature,
        "top_p": request.top_p,
        "stop_sequences": list(request.stop) if request.stop else None,
    }
    params.update({k: v for k, v in optional.items() if v is not None})
    if request.tools and request.response_schema is None:
        params["tools"] = [anthropic_tool(tool) for tool in request.tools]
        if request.tool_choice is not None:
            params["tool_choice"] = _tool_choice(request.tool_choice)
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
    calls: tuple[ToolCall, ...] = ()
    if tool_inputs and request.response_schema is not None:
        data = _unwrap(tool_inputs[0], request.response_schema)
        text = orjson.dumps(data).decode()
    elif request.tools:
        calls = tuple(
            normalized_call(str(b.get("id") or f"call_{n}"), str(b.get("name") or ""), b.get("input") or {})
            for n, b in enumerate(b for b in blocks if b.get("type") == "tool_use")
        )
    return Completion(
        tool_calls=calls,
        text=text,
        finish_reason=_FINISH.get(raw_finish or "end_turn", "other"),
        usage=usage,
        raw_finish_reason=raw_finish,
        data=data,
        response_model=body.get("model"),
        request_id=request_id or body.get("id"),
    )


def anthropic_tool(tool: dict[str, Any]) -> dict[str, Any]:
    """An OpenAI function tool as an Anthropic tool (`name`, `description`, `input_schema`)."""
    function = tool["function"]
    described = {"description": function["description"]} if function.get("description") else {}
    return {"name": function["name"], **described, "input_schema": tool_parameters(tool)}


def _tool_choice(choice: str) -> dict[str, Any]:
    modes = {"auto": {"type": "auto"}, "required": {"type": "any"}, "none": {"type": "none"}}
    return modes.get(choice) or {"type": "tool", "name": choice}


def anthropic_messages(turns: list[Message]) -> list[dict[str, Any]]:
    """The turns as Anthropic messages: tool calls become `tool_use` blocks, and the tool results that
    follow a call become one user message of `tool_result` blocks."""
    messages: list[dict[str, Any]] = []
    for m in turns:
        if m.role == "tool":
            block = {"type": "tool_result", "tool_use_id": m.tool_call_id or "", "content": m.content}
            last = messages[-1] if messages else None
            if last is not None and last["role"] == "user" and isinstance(last["content"], list):
                last["content"].append(block)
            else:
                messages.append({"role": "user", "content": [block]})
        elif m.tool_calls:
            blocks: list[dict[str, Any]] = [{"type": "text", "text": m.content}] if m.content else []
            for call in m.tool_calls:
                try:
                    arguments = call_arguments(call)
                except ValueError:
                    arguments = {}
                blocks.append(
                    {
                        "type": "tool_use",
                        "id": call.get("id") or "",
                        "name": call.get("function", {}).get("name") or "",
                        "input": arguments if isinstance(arguments, dict) else {},
                    }
                )
            messages.append({"role": "assistant", "content": blocks})
        else:
            messages.append({"role": m.role, "content": m.content})
    return messages


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
