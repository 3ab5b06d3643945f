"""Function tools through the real openai, anthropic and google-genai SDKs against the fake server.

Each SDK sends the tools in its provider's shape (with the earlier tool turns of the conversation),
the answer's calls come back in the OpenAI assistant shape, and a call of an unknown tool or with
arguments its schema rejects is re-asked, then refused with the reason.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from distillation.providers import ChatRequest, LLMClient, Message, OutputError, fingerprint
from distillation.providers.tools import tool_call_error, tools_error
from distillation.testing import FakeProviderServer, ok, sequence

WEATHER: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "The weather in a city.",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}, "unit": {"type": "string", "enum": ["c", "f"]}},
            "required": ["city", "unit"],
            "additionalProperties": False,
        },
    },
}
CLOCK: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "get_time",
        "parameters": {"type": "object", "properties": {"zone": {"type": "string"}}},
    },
}
EARLIER_CALL = {
    "id": "call_1",
    "type": "function",
    "function": {"name": "get_time", "arguments": '{"zone": "CET"}'},
}


def tool_request(**changes: Any) -> ChatRequest:
    """A conversation with an earlier tool call and its result, then a new question, offering two tools."""
    messages = (
        Message(role="system", content="Use the tools."),
        Message(role="user", content="What time is it in Paris?"),
        Message(role="assistant", content="", tool_calls=(EARLIER_CALL,)),
        Message(role="tool", content="14:05", tool_call_id="call_1"),
        Message(role="assistant", content="It is 14:05."),
        Message(role="user", content="And the weather there?"),
    )
    fields: dict[str, Any] = {"messages": messages, "max_tokens": 64, "tools": (CLOCK, WEATHER)}
    return ChatRequest(**{**fields, **changes})


async def test_tools_and_tool_turns_reach_each_provider_in_its_shape(
    sdk_model_id: str, server: FakeProviderServer, make_model: Callable[..., LLMClient]
) -> None:
    model = make_model(sdk_model_id)
    result = await model.chat(tool_request(tool_choice="get_weather"))

    [call] = result.tool_calls
    assert call["type"] == "function"
    assert call["function"]["name"] == "get_weather"
    arguments = json.loads(call["function"]["arguments"])
    assert arguments["city"]
    assert arguments["unit"] in ("c", "f")
    [sent] = server.requests
    body = sent.body
    if sent.api == "openai":
        assert body["tools"] == [CLOCK, WEATHER]
        assert body["tool_choice"] == {"type": "function", "function": {"name": "get_weather"}}
        assert body["messages"][2]["tool_calls"] == [EARLIER_CALL]
        assert body["messages"][3] == {"role": "tool", "content": "14:05", "tool_call_id": "call_1"}
    elif sent.api == "anthropic":
        assert [t["name"] for t in body["tools"]] == ["get_time", "get_weather"]
        assert body["tools"][1]["input_schema"] == WEATHER["function"]["parameters"]
        assert body["tool_choice"] == {"type": "tool", "name": "get_weather"}
        use = body["messages"][1]["content"][0]
        assert use == {"type": "tool_use", "id": "call_1", "name": "get_time", "input": {"zone": "CET"}}
        assert body["messages"][2]["content"][0]["type"] == "tool_result"
        assert body["messages"][2]["content"][0]["tool_use_id"] == "call_1"
    else:
        declarations = body["tools"][0]["functionDeclarations"]
        assert [d["name"] for d in declarations] == ["get_time", "get_weather"]
        assert body["contents"][1]["parts"][0]["functionCall"]["name"] == "get_time"
        assert body["contents"][2]["parts"][0]["functionResponse"]["name"] == "get_time"


@pytest.mark.parametrize(
    ("mode", "reason"),
    [
        ("invalid_arguments", "tool 'get_time' has invalid arguments"),
        ("unknown_tool", "unknown tool 'no_such_tool'"),
    ],
)
async def test_a_broken_call_is_reasked_then_refused_with_the_reason(
    sdk_model_id: str,
    server: FakeProviderServer,
    make_model: Callable[..., LLMClient],
    mode: str,
    reason: str,
) -> None:
    server.reset(lambda request: ok(tool_call=mode))
    model = make_model(sdk_model_id)
    with pytest.raises(OutputError, match=reason) as caught:
        await model.chat(tool_request())
    assert caught.value.reason == "invalid_output"
    assert len(server.requests) == 3  # the answer and two re-asks
    assert "previous tool calls were rejected" in server.requests[1].text


async def test_a_corrected_call_after_a_reask_is_accepted(
    server: FakeProviderServer, make_model: Callable[..., LLMClient]
) -> None:
    server.reset(sequence(ok(tool_call="invalid_arguments"), ok()))
    result = await make_model("openai:gpt-fake").chat(tool_request())
    [call] = result.tool_calls
    assert call["function"]["name"] == "get_time"
    assert [a.outcome.value for a in result.attempts] == ["invalid_output", "ok"]


async def test_a_text_answer_to_a_tool_offer_is_kept(
    server: FakeProviderServer, make_model: Callable[..., LLMClient]
) -> None:
    server.reset(lambda request: ok(tool_call="text"))
    result = await make_model("anthropic:claude-fake").chat(tool_request())
    assert result.tool_calls == ()
    assert result.text.startswith("echo:")


def test_tool_calls_are_checked_against_their_schema() -> None:
    def call(name: str, arguments: str) -> dict[str, Any]:
        return {"id": "c", "type": "function", "function": {"name": name, "arguments": arguments}}

    tools = [WEATHER, CLOCK]
    assert tool_call_error([call("get_weather", '{"city": "Paris", "unit": "c"}')], tools) is None
    assert "unknown tool 'search'" in str(tool_call_error([call("search", "{}")], tools))
    assert "not valid JSON" in str(tool_call_error([call("get_weather", "{city")], tools))
    assert "must be a JSON object" in str(tool_call_error([call("get_weather", "[1]")], tools))
    problem = tool_call_error([call("get_weather", '{"city": "Paris", "unit": "k"}')], tools)
    assert problem is not None
    assert "at unit" in problem
    assert tools_error([WEATHER, WEATHER]) == "tool 'get_weather' is offered twice"
    assert tools_error([{"type": "retrieval"}]) is not None


def test_tools_enter_the_fingerprint_only_when_offered() -> None:
    plain = ChatRequest.from_prompt("hi")
    assert fingerprint(plain, "openai:m") == fingerprint(plain.model_copy(update={"tools": ()}), "openai:m")
    offered = fingerprint(tool_request(), "openai:m")
    assert offered != fingerprint(tool_request(tools=(WEATHER,)), "openai:m")
    assert offered != fingerprint(tool_request(tool_choice="get_time"), "openai:m")
    history = tool_request().messages
    changed = (*history[:3], Message(role="tool", content="15:00", tool_call_id="call_1"), *history[4:])
    assert offered != fingerprint(tool_request(messages=changed), "openai:m")
