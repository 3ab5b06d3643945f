"""Function tools: the schemas offered with a request and the checks of the calls a model answers with.

Tools are written as OpenAI function-tool schemas everywhere in Distillery (prompt sets, requests,
the fine-tuning export); each wire format translates them. A model's tool call is usable when it names
an offered tool and its arguments are a JSON object valid against that tool's ``parameters`` schema,
checked offline (a remote ``$ref`` is never fetched). A call that is not is re-asked, like a
structured answer that fails its schema.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson

from distillation.providers.structured import schema_error
from distillation.providers.types import ChatRequest, JsonSchema, Message, ToolCall

# What a tool without ``parameters`` accepts: any object (OpenAI's own default).
_ANY_OBJECT: JsonSchema = {"type": "object"}


def tool_name(tool: dict[str, Any]) -> str:
    """The name of an OpenAI function tool (``tool["function"]["name"]``); "" when it has none."""
    function = tool.get("function")
    name = function.get("name") if isinstance(function, dict) else None
    return name if isinstance(name, str) else ""


def tool_parameters(tool: dict[str, Any]) -> JsonSchema:
    """The JSON Schema of a function tool's arguments (any object when it declares none)."""
    function = tool.get("function")
    parameters = function.get("parameters") if isinstance(function, dict) else None
    return parameters if isinstance(parameters, dict) else _ANY_OBJECT


def tools_error(tools: Sequence[dict[str, Any]]) -> str | None:
    """Why a list of tools cannot be offered (not OpenAI function tools, names missing or repeated)."""
    seen: set[str] = set()
    for number, tool in enumerate(tools, start=1):
        if tool.get("type") != "function" or not isinstance(tool.get("function"), dict):
            return f"tool {number} is not a function tool ({{'type': 'function', 'function': {{...}}}})"
        name = tool_name(tool)
        if not name:
            return f"tool {number} has no function name"
        if name in seen:
            return f"tool {name!r} is offered twice"
        seen.add(name)
    return None


def call_arguments(call: ToolCall) -> Any:
    """A call's arguments, parsed from their JSON text (raises ``ValueError`` when they are not JSON)."""
    arguments = call.get("function", {}).get("arguments")
    if isinstance(arguments, dict):
        return arguments
    if not isinstance(arguments, str):
        raise ValueError("the arguments are not a JSON text")
    try:
        return orjson.loads(arguments or "{}")
    except orjson.JSONDecodeError as exc:
        raise ValueError(f"the arguments are not valid JSON ({exc})") from None


def tool_call_error(calls: Sequence[ToolCall], tools: Sequence[dict[str, Any]]) -> str | None:
    """The first problem of an answer's tool calls against the tools offered, or None.

    A call must name an offered tool and carry a JSON object of arguments valid against that tool's
    ``parameters`` schema.
    """
    offered = {tool_name(tool): tool for tool in tools}
    for call in calls:
        function = call.get("function")
        name = function.get("name") if isinstance(function, dict) else None
        if not isinstance(name, str) or not name:
            return "a tool call has no function name"
        if name not in offered:
            known = ", ".join(sorted(offered)) or "none"
            return f"unknown tool {name!r} (the tools offered: {known})"
        try:
            arguments = call_arguments(call)
        except ValueError as exc:
            return f"tool {name!r}: {exc}"
        if not isinstance(arguments, dict):
            return f"tool {name!r}: the arguments must be a JSON object"
        problem = schema_error(arguments, tool_parameters(offered[name]))
        if problem is not None:
            return f"tool {name!r} has invalid arguments {problem}"
    return None


def normalized_call(call_id: str, name: str, arguments: Any) -> ToolCall:
    """A tool call in the OpenAI shape; ``arguments`` (a value or JSON text) become compact JSON text."""
    text = arguments if isinstance(arguments, str) else orjson.dumps(arguments).decode()
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": text}}


def tool_turns(request: ChatRequest) -> bool:
    """Whether a request offers tools or carries tool calls or tool results."""
    return bool(request.tools) or any(m.tool_calls or m.role == "tool" for m in request.messages)


def tool_reask(request: ChatRequest, message: Message, error: str) -> ChatRequest:
    """Shows the model its rejected tool calls and why, asking for a corrected answer.

    The rejected calls are shown as text: an assistant turn with calls would need a result for each.
    """
    shown = orjson.dumps([call.get("function") for call in message.tool_calls]).decode()
    said = f"{message.content}\n" if message.content else ""
    feedback = (
        f"Your previous tool calls were rejected: {error}. Answer again, calling only the tools "
        "offered, with arguments that follow each tool's parameter schema."
    )
    turns = (
        Message(role="assistant", content=f"{said}Tool calls: {shown}"),
        Message(role="user", content=feedback),
    )
    return request.model_copy(update={"messages": (*request.messages, *turns)})
