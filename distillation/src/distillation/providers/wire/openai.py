"""OpenAI chat-completions wire format (also spoken by vLLM, llama.cpp, Ollama, LM Studio, Groq, ...).

Pure functions over plain dicts: no SDK, no I/O, so the same code serves the SDK adapters, the
in-process llama.cpp adapter and the tests.
"""

from __future__ import annotations

import hashlib
from typing import Any, Literal

from distillation.providers.errors import InvalidResponseError
from distillation.providers.tools import normalized_call
from distillation.providers.types import ChatRequest, Completion, FinishReason, Message, ToolCall, Usage

SchemaMode = Literal["json_schema", "json_object", "prompt"]

_FINISH: dict[str, FinishReason] = {
    "stop": "stop",
    "tool_calls": "stop",
    "function_call": "stop",
    "length": "length",
    "content_filter": "content_filter",
}


def chat_params(
    model: str,
    request: ChatRequest,
    *,
    schema_mode: SchemaMode = "json_schema",
    max_tokens_field: str = "max_completion_tokens",
    cache_key: bool = False,
) -> dict[str, Any]:
    """Builds the JSON body of `POST /chat/completions`.

    ``cache_key``: send a `prompt_cache_key` (OpenAI's own API only; see :func:`prompt_cache_key`).
    """
    params: dict[str, Any] = {
        "model": model,
        "messages": [_message(m) for m in request.messages],
    }
    if cache_key:
        params["prompt_cache_key"] = prompt_cache_key(request)
    optional = {
        max_tokens_field: request.max_tokens,
        "temperature": request.temperature,
        "top_p": request.top_p,
        "seed": request.seed,
        "stop": list(request.stop) if request.stop else None,
    }
    params.update({k: v for k, v in optional.items() if v is not None})
    if request.response_schema is not None and schema_mode != "prompt":
        params["response_format"] = response_format(request, schema_mode)
    if request.tools:
        params["tools"] = list(request.tools)
        if request.tool_choice is not None:
            params["tool_choice"] = tool_choice(request.tool_choice)
    params.update(request.provider_options)
    return params


def prompt_cache_key(request: ChatRequest) -> str:
    """A key shared by the requests of one prompt template and system prompt (one task and stage).

    OpenAI routes requests with the same key to the same cache, so the requests of a stage, whose
    prompts start with the same static prefix, read it at the cached rate. The variable part of a
    prompt (the row, the scenario) is not in the key.
    """
    system = "\n".join(m.content for m in request.messages if m.role == "system")
    digest = hashlib.sha256(f"{request.template_hash}\n{system}".encode()).hexdigest()
    return f"distillery-{digest[:32]}"


def tool_choice(choice: str) -> str | dict[str, Any]:
    """The `tool_choice` field: a mode ("auto", "required", "none") or one named function."""
    if choice in ("auto", "required", "none"):
        return choice
    return {"type": "function", "function": {"name": choice}}


def _message(message: Message) -> dict[str, Any]:
    # A plain turn keeps the two-key shape (the body of a request without tools is unchanged).
    if not message.tool_calls and message.tool_call_id is None:
        return {"role": message.role, "content": message.content}
    return message.openai()


def response_format(request: ChatRequest, schema_mode: SchemaMode) -> dict[str, Any]:
    """The `response_format` field for a structured request."""
    if schema_mode == "json_object":
        return {"type": "json_object"}
    return {
        "type": "json_schema",
        "json_schema": {"name": request.schema_name, "schema": request.response_schema, "strict": False},
    }


def parse_chat(body: Any, request_id: str | None = None) -> Completion:
    """Reads a chat-completions response body; raises `InvalidResponseError` if it is not one."""
    try:
        choice = body["choices"][0]
        message = choice.get("message") or {}
        raw_finish = choice.get("finish_reason")
        usage = parse_usage(body.get("usage") or {})
    except (KeyError, IndexError, TypeError, AttributeError) as exc:
        raise InvalidResponseError(f"not a chat completion: {exc!r}") from exc
    text = message.get("content") or ""
    finish = _FINISH.get(raw_finish or "stop", "other")
    if message.get("refusal"):
        text, finish = message["refusal"], "content_filter"
    return Completion(
        text=text,
        finish_reason=finish,
        usage=usage,
        tool_calls=parse_tool_calls(message.get("tool_calls")),
        raw_finish_reason=raw_finish,
        response_model=body.get("model"),
        request_id=request_id or body.get("id"),
    )


def parse_tool_calls(calls: Any) -> tuple[ToolCall, ...]:
    """An answer's `tool_calls`, normalized (function calls only; arguments kept as the JSON text)."""
    if not isinstance(calls, list):
        return ()
    parsed = []
    for number, call in enumerate(calls):
        function = call.get("function") if isinstance(call, dict) else None
        if not isinstance(function, dict):
            raise InvalidResponseError(f"tool call {number + 1} has no function")
        call_id = call.get("id") or f"call_{number}"
        parsed.append(
            normalized_call(str(call_id), str(function.get("name") or ""), function.get("arguments") or "{}")
        )
    return tuple(parsed)


def parse_usage(usage: dict[str, Any]) -> Usage:
    """Reads the `usage` object (reasoning tokens are already inside `completion_tokens`)."""
    prompt_details = usage.get("prompt_tokens_details") or {}
    completion_details = usage.get("completion_tokens_details") or {}
    return Usage(
        input_tokens=int(usage.get("prompt_tokens") or 0),
        output_tokens=int(usage.get("completion_tokens") or 0),
        cached_input_tokens=int(prompt_details.get("cached_tokens") or 0),
        reasoning_tokens=int(completion_details.get("reasoning_tokens") or 0),
    )
