"""Deterministic answers in the OpenAI, Anthropic and Gemini wire formats, for the fake server."""

from __future__ import annotations

from typing import Any

import orjson

from distillation.testing.scripts import Behavior, Dialect, RecordedRequest

_STRING_FORMATS = {
    "date": "2024-01-01",
    "date-time": "2024-01-01T00:00:00Z",
    "email": "user@example.com",
    "uri": "https://example.com",
    "uuid": "00000000-0000-4000-8000-000000000000",
}


def example_for(schema: Any, root: Any = None, name: str = "value", depth: int = 0) -> Any:
    """A deterministic instance of a JSON schema (also Gemini's upper-case OpenAPI types)."""
    root = schema if root is None else root
    if not isinstance(schema, dict) or depth > 12:
        return None
    if "$ref" in schema:
        return example_for(_resolve(root, schema["$ref"]), root, name, depth + 1)
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    for combinator in ("anyOf", "oneOf", "allOf"):
        if schema.get(combinator):
            options = [s for s in schema[combinator] if str(s.get("type", "")).lower() != "null"]
            return example_for((options or schema[combinator])[0], root, name, depth + 1)
    kind = _type_of(schema)
    if kind == "object":
        props = schema.get("properties") or {}
        return {key: example_for(sub, root, key, depth + 1) for key, sub in props.items()}
    if kind == "array":
        count = max(1, int(schema.get("minItems", 1)))
        return [example_for(schema.get("items") or {}, root, name, depth + 1) for _ in range(count)]
    return _scalar(kind, schema, name)


def _type_of(schema: dict[str, Any]) -> str:
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if str(k).lower() != "null"), "null")
    if kind is None:
        return "object" if "properties" in schema else "string"
    return str(kind).lower()


def _scalar(kind: str, schema: dict[str, Any], name: str) -> Any:
    if kind in ("integer", "number"):
        low = schema.get("minimum", schema.get("exclusiveMinimum", -1) + 1)
        value = min(low, schema.get("maximum", low))
        return int(value) if kind == "integer" else float(value)
    if kind == "boolean":
        return True
    if kind == "null":
        return None
    text = _STRING_FORMATS.get(schema.get("format", ""), f"{name} text")
    text = text.ljust(int(schema.get("minLength", 0)), "x")
    return text[: int(schema.get("maxLength", len(text)))]


def _resolve(root: Any, ref: str) -> Any:
    node = root
    for part in ref.lstrip("#/").split("/"):
        node = node.get(part, {}) if isinstance(node, dict) else {}
    return node


def requested_schema(api: str, body: dict[str, Any]) -> tuple[Any, str | None]:
    """The JSON schema the request asks for (and the forced tool name for Anthropic)."""
    if api == "openai":
        fmt = body.get("response_format") or {}
        if fmt.get("type") == "json_schema":
            return (fmt.get("json_schema") or {}).get("schema"), None
        return (
            {"type": "object", "properties": {"answer": {}}} if fmt.get("type") == "json_object" else None
        ), None
    if api == "anthropic":
        choice = body.get("tool_choice") or {}
        tools = {t.get("name"): t for t in body.get("tools") or []}
        if choice.get("type") == "tool" and choice.get("name") in tools:
            return tools[choice["name"]].get("input_schema"), choice["name"]
        return None, None
    config = body.get("generationConfig") or {}
    return config.get("responseJsonSchema") or config.get("responseSchema"), None


def offered_tools(api: str, body: dict[str, Any]) -> list[tuple[str, Any]]:
    """The function tools a request offers, as (name, parameters schema), in the API's own shape.

    Anthropic's forced tool of a structured answer is not an offer (see ``requested_schema``).
    """
    if api == "openai":
        functions = [t.get("function") or {} for t in body.get("tools") or [] if isinstance(t, dict)]
        return [(f.get("name", ""), f.get("parameters") or {}) for f in functions]
    if api == "anthropic":
        if requested_schema(api, body)[1] is not None:
            return []
        return [(t.get("name", ""), t.get("input_schema") or {}) for t in body.get("tools") or []]
    declarations = [d for t in body.get("tools") or [] for d in t.get("functionDeclarations") or []]
    keys = ("parametersJsonSchema", "parameters_json_schema", "parameters")  # the API reads either case
    return [(d.get("name", ""), next((d[k] for k in keys if d.get(k)), {})) for d in declarations]


def _chosen_tool(api: str, body: dict[str, Any], tools: list[tuple[str, Any]]) -> tuple[str, Any]:
    """The tool ``tool_choice`` names, else the first offered."""
    choice = body.get("tool_choice")
    named = None
    if api == "openai" and isinstance(choice, dict):
        named = (choice.get("function") or {}).get("name")
    elif api == "gemini":
        config = ((body.get("toolConfig") or {}).get("functionCallingConfig")) or {}
        named = next(iter(config.get("allowedFunctionNames") or []), None)
    return next((tool for tool in tools if tool[0] == named), tools[0])


def tool_call(request: RecordedRequest, behavior: Behavior) -> tuple[str, Any] | None:
    """The (tool name, arguments) the answer calls, or None for a text answer.

    Arguments are made from the tool's parameter schema (``example_for``); "invalid_arguments" sets
    the first property to a value of the wrong type (or sends a JSON array when there is none).
    """
    tools = offered_tools(request.api, request.body)
    if not tools or behavior.tool_call == "text" or behavior.text is not None:
        return None
    name, schema = _chosen_tool(request.api, request.body, tools)
    arguments = example_for(schema)
    if not isinstance(arguments, dict):
        arguments = {}
    if behavior.tool_call == "unknown_tool":
        name = "no_such_tool"
    elif behavior.tool_call == "invalid_arguments":
        first = next(iter((schema.get("properties") or {}).items()), None)
        if first is None:
            return name, ["not", "an", "object"]
        key, sub = first
        arguments[key] = 12345 if _type_of(sub) == "string" else "not the right type"
    return name, arguments


def request_text(api: str, body: dict[str, Any]) -> str:
    """All message text of a request, joined by newlines."""
    if api == "gemini":
        turns = [body.get("systemInstruction") or {}, *(body.get("contents") or [])]
        return "\n".join(
            p.get("text", "") for t in turns for p in t.get("parts") or [] if isinstance(p, dict)
        )
    system = body.get("system")
    if isinstance(system, list):  # text blocks (with a cache breakpoint)
        system = "\n".join(b.get("text", "") for b in system if isinstance(b, dict))
    parts = [system] if isinstance(system, str) else []
    for message in body.get("messages") or []:
        content = message.get("content")
        parts.append(content if isinstance(content, str) else orjson.dumps(content).decode())
    return "\n".join(p for p in parts if p)


def answer(request: RecordedRequest, behavior: Behavior) -> tuple[str, Any, bool]:
    """Returns (text, structured value or None, whether a tool call carries the value)."""
    schema, tool = requested_schema(request.api, request.body)
    if behavior.text is not None:
        return behavior.text, None, False
    if schema is None:
        last = request.text.rsplit("\n", 1)[-1]
        return _cut(f"echo: {last}", behavior), None, False
    value = example_for(schema)
    if behavior.content == "wrong_schema":
        value = ["wrong"] if isinstance(value, dict) else {"wrong": True}
    text = orjson.dumps(value).decode()
    if behavior.content == "invalid_json":
        return "Sure! Here is what you asked for, in prose rather than data.", None, False
    if behavior.content == "truncated_json":
        return text[:-1], None, False
    if behavior.finish == "length":
        return text[: len(text) // 2], None, False
    return text, value, tool is not None


def _cut(text: str, behavior: Behavior) -> str:
    return text[: max(1, len(text) // 2)] if behavior.finish == "length" else text


def usage_for(request: RecordedRequest, behavior: Behavior, text: str) -> tuple[int, int]:
    """The exact usage of the behaviour, else word counts (deterministic)."""
    if behavior.usage is not None:
        return behavior.usage
    return max(1, len(request.text.split())), max(1, len(text.split()))


def success_body(request: RecordedRequest, behavior: Behavior, dialect: Dialect = "openai") -> dict[str, Any]:
    """A 200 body in the request's wire format (an OpenAI-compatible one in ``dialect``'s words)."""
    call = tool_call(request, behavior)
    if call is not None:
        tokens = usage_for(request, behavior, orjson.dumps(call).decode().replace(",", " "))
        return _tool_call_body(request, behavior, call, tokens)
    text, value, as_tool = answer(request, behavior)
    tokens = usage_for(request, behavior, text)
    if behavior.cached_tokens:  # part of the input tokens, never more
        behavior = behavior.with_(cached_tokens=min(behavior.cached_tokens, tokens[0]))
    if request.api == "openai":
        return _in_dialect(_openai(request, behavior, text, tokens), dialect, request.index)
    if request.api == "anthropic":
        return _anthropic(request, behavior, text, value if as_tool else None, tokens)
    return _gemini(request, behavior, text, tokens)


def _tool_call_body(
    request: RecordedRequest, behavior: Behavior, call: tuple[str, Any], tokens: tuple[int, int]
) -> dict[str, Any]:
    """An answer that calls one tool, in the request's wire format."""
    name, arguments = call
    call_id = f"call_fake_{request.index}"
    if request.api == "openai":
        body = _openai(request, behavior, "", tokens)
        function = {"name": name, "arguments": orjson.dumps(arguments).decode()}
        body["choices"][0]["message"].update(
            content=None, tool_calls=[{"id": call_id, "type": "function", "function": function}]
        )
        body["choices"][0]["finish_reason"] = "tool_calls" if behavior.finish == "stop" else behavior.finish
        return body
    if request.api == "anthropic":
        body = _anthropic(request, behavior, "", None, tokens)
        body["content"] = [{"type": "tool_use", "id": call_id, "name": name, "input": arguments}]
        body["stop_reason"] = "tool_use" if behavior.finish == "stop" else _ANTHROPIC_STOP[behavior.finish]
        return body
    body = _gemini(request, behavior, "", tokens)
    body["candidates"][0]["content"]["parts"] = [
        {"functionCall": {"id": call_id, "name": name, "args": arguments}}
    ]
    return body


def _openai(
    request: RecordedRequest, behavior: Behavior, text: str, tokens: tuple[int, int]
) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": text, "refusal": None}
    return {
        "id": f"chatcmpl-fake-{request.index}",
        "object": "chat.completion",
        "created": 1700000000,
        "model": request.model,
        "choices": [{"index": 0, "message": message, "finish_reason": behavior.finish, "logprobs": None}],
        "usage": {
            "prompt_tokens": tokens[0],
            "completion_tokens": tokens[1],
            "total_tokens": sum(tokens),
            "prompt_tokens_details": {"cached_tokens": behavior.cached_tokens or 0},
            "completion_tokens_details": {"reasoning_tokens": 0},
        },
    }


def _in_dialect(body: dict[str, Any], dialect: Dialect, index: int) -> dict[str, Any]:
    """The fields by which Groq and vLLM answers differ from OpenAI's (both add their own)."""
    choice, usage = body["choices"][0], body["usage"]
    if dialect == "groq":
        usage.pop("completion_tokens_details")
        usage.update(queue_time=0.01, prompt_time=0.002, completion_time=0.03, total_time=0.032)
        body.update(system_fingerprint="fp_fake", x_groq={"id": f"req_fake_{index}"})
    elif dialect == "vllm":
        choice.update(stop_reason=None)
        choice["message"].update(reasoning_content=None, tool_calls=[])
        body.update(prompt_logprobs=None, kv_transfer_params=None)
        usage.pop("completion_tokens_details")
        if not usage["prompt_tokens_details"]["cached_tokens"]:
            usage["prompt_tokens_details"] = None  # vLLM's default: no prompt-cache details
    return body


_ANTHROPIC_STOP = {"stop": "end_turn", "length": "max_tokens", "content_filter": "refusal"}


def _anthropic(
    request: RecordedRequest, behavior: Behavior, text: str, value: Any, tokens: tuple[int, int]
) -> dict[str, Any]:
    if value is not None:
        _, tool = requested_schema("anthropic", request.body)
        content = [{"type": "tool_use", "id": f"toolu_fake_{request.index}", "name": tool, "input": value}]
        stop = "tool_use" if behavior.finish == "stop" else _ANTHROPIC_STOP[behavior.finish]
    else:
        content, stop = [{"type": "text", "text": text}], _ANTHROPIC_STOP[behavior.finish]
    return {
        "id": f"msg_fake_{request.index}",
        "type": "message",
        "role": "assistant",
        "model": request.model,
        "content": content,
        "stop_reason": stop,
        "stop_sequence": None,
        # Anthropic counts cache reads apart from the (uncached) input tokens.
        "usage": {
            "input_tokens": tokens[0] - (behavior.cached_tokens or 0),
            "output_tokens": tokens[1],
            "cache_read_input_tokens": behavior.cached_tokens or 0,
        },
    }


_GEMINI_STOP = {"stop": "STOP", "length": "MAX_TOKENS", "content_filter": "SAFETY"}


def _gemini(
    request: RecordedRequest, behavior: Behavior, text: str, tokens: tuple[int, int]
) -> dict[str, Any]:
    candidate = {
        "content": {"role": "model", "parts": [{"text": text}]},
        "finishReason": _GEMINI_STOP[behavior.finish],
        "index": 0,
    }
    return {
        "candidates": [candidate],
        "usageMetadata": {
            "promptTokenCount": tokens[0],
            "candidatesTokenCount": tokens[1],
            "totalTokenCount": sum(tokens),
        },
        "modelVersion": request.model,
        "responseId": f"fake-{request.index}",
    }


_OPENAI_TYPES = {429: "rate_limit_exceeded", 401: "invalid_api_key", 400: "invalid_request_error"}
_ANTHROPIC_TYPES = {429: "rate_limit_error", 529: "overloaded_error", 401: "authentication_error"}
_GEMINI_STATUS = {
    429: "RESOURCE_EXHAUSTED",
    503: "UNAVAILABLE",
    401: "UNAUTHENTICATED",
    400: "INVALID_ARGUMENT",
}


def error_body(api: str, behavior: Behavior, dialect: Dialect = "openai") -> dict[str, Any]:
    """An error body in the API's own shape (vLLM's OpenAI-compatible server puts it at the top)."""
    status, message = behavior.status, f"fake error {behavior.status}"
    if api == "openai" and dialect == "vllm":
        return {
            "object": "error",
            "message": message,
            "type": "BadRequestError",
            "param": None,
            "code": status,
        }
    if api == "openai":
        kind = _OPENAI_TYPES.get(status, "server_error")
        return {"error": {"message": message, "type": kind, "param": None, "code": kind}}
    if api == "anthropic":
        kind = _ANTHROPIC_TYPES.get(status, "api_error" if status >= 500 else "invalid_request_error")
        return {"type": "error", "error": {"type": kind, "message": message}}
    details = []
    if behavior.retry_after is not None:
        info = "type.googleapis.com/google.rpc.RetryInfo"
        details.append({"@type": info, "retryDelay": f"{behavior.retry_after:g}s"})
    state = _GEMINI_STATUS.get(status, "INTERNAL")
    return {"error": {"code": status, "message": message, "status": state, "details": details}}


def error_headers(behavior: Behavior) -> dict[str, str]:
    """Retry-After / retry-after-ms headers of an error answer, and the behaviour's own headers."""
    headers = dict(behavior.headers)
    if behavior.retry_after is not None:
        headers["Retry-After"] = f"{behavior.retry_after:g}"
    if behavior.retry_after_ms is not None:
        headers["retry-after-ms"] = f"{behavior.retry_after_ms:g}"
    return headers
