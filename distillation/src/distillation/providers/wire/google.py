"""Gemini generateContent wire format, as the google-genai SDK takes and returns it."""

from __future__ import annotations

from typing import Any

from distillation.providers.errors import InvalidResponseError
from distillation.providers.tools import call_arguments, normalized_call, tool_name, tool_parameters
from distillation.providers.types import ChatRequest, Completion, FinishReason, Message, Usage

_FILTERED = {
    "SAFETY",
    "RECITATION",
    "BLOCKLIST",
    "PROHIBITED_CONTENT",
    "SPII",
    "IMAGE_SAFETY",
    "IMAGE_PROHIBITED_CONTENT",
    "MODEL_ARMOR",
    "LANGUAGE",
}


def generate_params(request: ChatRequest) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Returns the `contents` and the `config` (a GenerateContentConfig dict) of a request."""
    system, turns = request.system_and_turns()
    contents = gemini_contents(turns)
    optional: dict[str, Any] = {
        "system_instruction": system,
        "temperature": request.temperature,
        "top_p": request.top_p,
        "max_output_tokens": request.max_tokens,
        "seed": request.seed,
        "stop_sequences": list(request.stop) if request.stop else None,
    }
    config = {k: v for k, v in optional.items() if v is not None}
    if request.response_schema is not None:
        config["response_mime_type"] = "application/json"
        config["response_json_schema"] = request.response_schema
    if request.tools:
        declarations = [
            {
                "name": tool_name(tool),
                "description": tool["function"].get("description") or "",
                "parameters_json_schema": tool_parameters(tool),
            }
            for tool in request.tools
        ]
        config["tools"] = [{"function_declarations": declarations}]
        config["automatic_function_calling"] = {"disable": True}
        if request.tool_choice is not None:
            config["tool_config"] = {"function_calling_config": _function_calling(request.tool_choice)}
    config.update(request.provider_options)
    return contents, config


def _function_calling(choice: str) -> dict[str, Any]:
    modes = {"auto": "AUTO", "required": "ANY", "none": "NONE"}
    if choice in modes:
        return {"mode": modes[choice]}
    return {"mode": "ANY", "allowed_function_names": [choice]}


def gemini_contents(turns: list[Message]) -> list[dict[str, Any]]:
    """The turns as Gemini contents: tool calls become `function_call` parts, and a tool result a
    `function_response` part named after the call it answers (Gemini matches results by name)."""
    names: dict[str, str] = {}
    contents: list[dict[str, Any]] = []
    for m in turns:
        if m.role == "tool":
            name = names.get(m.tool_call_id or "", "")
            part = {"function_response": {"name": name, "response": {"result": m.content}}}
            last = contents[-1] if contents else None
            if last is not None and last["role"] == "user" and "function_response" in last["parts"][-1]:
                last["parts"].append(part)
            else:
                contents.append({"role": "user", "parts": [part]})
        elif m.tool_calls:
            parts: list[dict[str, Any]] = [{"text": m.content}] if m.content else []
            for call in m.tool_calls:
                name = call.get("function", {}).get("name") or ""
                names[str(call.get("id") or "")] = name
                try:
                    arguments = call_arguments(call)
                except ValueError:
                    arguments = {}
                parts.append({"function_call": {"name": name, "args": arguments}})
            contents.append({"role": "model", "parts": parts})
        else:
            contents.append(
                {"role": "model" if m.role == "assistant" else "user", "parts": [{"text": m.content}]}
            )
    return contents


def parse_generate(response: Any) -> Completion:
    """Reads a `GenerateContentResponse`; a blocked prompt or a safety stop is `content_filter`."""
    try:
        usage = parse_usage(response.usage_metadata)
        candidates = response.candidates or []
        feedback = response.prompt_feedback
    except AttributeError as exc:
        raise InvalidResponseError(f"not a generateContent response: {exc!r}") from exc
    if not candidates:
        reason = _name(getattr(feedback, "block_reason", None)) or "NO_CANDIDATES"
        return Completion(text="", finish_reason="content_filter", usage=usage, raw_finish_reason=reason)
    candidate = candidates[0]
    parts = (candidate.content.parts if candidate.content else None) or []
    text = "".join(p.text for p in parts if getattr(p, "text", None) and not getattr(p, "thought", False))
    raw_finish = _name(candidate.finish_reason)
    calls = tuple(
        normalized_call(
            str(getattr(p.function_call, "id", None) or f"call_{n}"),
            str(p.function_call.name or ""),
            dict(p.function_call.args or {}),
        )
        for n, p in enumerate(p for p in parts if getattr(p, "function_call", None) is not None)
    )
    return Completion(
        tool_calls=calls,
        text=text,
        finish_reason=_finish(raw_finish),
        usage=usage,
        raw_finish_reason=raw_finish,
        response_model=response.model_version,
        request_id=response.response_id,
    )


def parse_usage(meta: Any) -> Usage:
    """Thinking tokens are billed as output, so they are counted in `output_tokens`."""
    if meta is None:
        return Usage()
    thoughts = meta.thoughts_token_count or 0
    return Usage(
        input_tokens=meta.prompt_token_count or 0,
        output_tokens=(meta.candidates_token_count or 0) + thoughts,
        cached_input_tokens=meta.cached_content_token_count or 0,
        reasoning_tokens=thoughts,
    )


def _finish(raw: str | None) -> FinishReason:
    if raw in (None, "STOP", "FINISH_REASON_UNSPECIFIED"):
        return "stop"
    if raw == "MAX_TOKENS":
        return "length"
    return "content_filter" if raw in _FILTERED else "other"


def _name(value: Any) -> str | None:
    if value is None:
        return None
    return str(getattr(value, "name", value))
