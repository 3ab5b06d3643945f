"""The real openai, anthropic and google-genai SDKs against the fake server: success paths."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from distillation.providers import Attempt, ChatRequest, LLMClient, Outcome, Usage
from distillation.testing import FakeProviderServer, ok, sequence


async def test_text_answer_reports_exact_usage(
    sdk_model_id: str, server: FakeProviderServer, make_model: Callable[..., LLMClient]
) -> None:
    server.reset(sequence(ok(usage=(123, 45), text="Paris is the capital.")))
    seen: list[Attempt] = []
    model = make_model(sdk_model_id, on_attempt=seen.append)

    request = ChatRequest.from_prompt("Capital of France?", system="Be brief.", max_tokens=20)
    result = await model.chat(request)

    assert result.text == "Paris is the capital."
    assert result.usage == Usage(input_tokens=123, output_tokens=45)
    assert result.finish_reason == "stop"
    assert [a.outcome for a in seen] == [Outcome.OK]
    assert seen[0].usage == Usage(123, 45)
    assert seen[0].fingerprint == result.fingerprint == model.fingerprint(request)
    assert seen[0].latency_s > 0
    assert len(server.requests) == 1


async def test_request_reaches_the_wire_with_key_model_and_settings(
    sdk_model_id: str, server: FakeProviderServer, make_model: Callable[..., LLMClient]
) -> None:
    model = make_model(sdk_model_id)
    sent = ChatRequest.from_prompt("hello there", system="sys prompt", max_tokens=17, temperature=0.3)
    await model.chat(sent)

    [request] = server.requests
    headers = {k.lower(): v for k, v in request.headers.items()}
    key_headers = ("authorization", "x-api-key", "x-goog-api-key")
    assert any("test-key" in headers.get(name, "") for name in key_headers)
    assert request.model.endswith("-fake")
    assert "hello there" in request.text
    assert "sys prompt" in request.text
    body = request.body
    if request.api == "openai":
        assert body["max_completion_tokens"] == 17
        assert body["temperature"] == 0.3
        assert body["prompt_cache_key"].startswith("distillery-")
    elif request.api == "anthropic":
        assert (body["max_tokens"], body["temperature"]) == (17, 0.3)
        assert body["system"] == [
            {"type": "text", "text": "sys prompt", "cache_control": {"type": "ephemeral"}}
        ]
    else:
        assert request.path == "/v1beta/models/gemini-fake:generateContent"
        assert body["generationConfig"]["maxOutputTokens"] == 17


async def test_native_json_schema_mode_is_used(
    sdk_model_id: str,
    server: FakeProviderServer,
    make_model: Callable[..., LLMClient],
    schema: dict[str, Any],
) -> None:
    model = make_model(sdk_model_id)
    request = ChatRequest.from_prompt("Rate this", response_schema=schema, schema_name="rating")
    result = await model.chat(request)

    assert result.data == {"answer": "answer text", "score": 0}
    assert not result.repaired
    body = server.requests[0].body
    if sdk_model_id.startswith("openai"):
        assert body["response_format"]["type"] == "json_schema"
        assert body["response_format"]["json_schema"]["schema"] == schema
    elif sdk_model_id.startswith("anthropic"):
        assert body["tool_choice"] == {"type": "tool", "name": "rating"}
        assert body["tools"][0]["input_schema"] == schema
    else:
        assert body["generationConfig"]["responseJsonSchema"] == schema
        assert body["generationConfig"]["responseMimeType"] == "application/json"


class Rating(BaseModel):
    answer: str
    score: int


async def test_pydantic_output_type(sdk_model_id: str, make_model: Callable[..., LLMClient]) -> None:
    model = make_model(sdk_model_id)
    result = await model.chat(ChatRequest.from_prompt("Rate this"), output_type=Rating)
    assert result.parsed(Rating) == Rating(answer="answer text", score=0)


async def test_openai_compatible_server_with_prompt_mode(
    server: FakeProviderServer, make_model: Callable[..., LLMClient], schema: dict[str, Any]
) -> None:
    server.reset(sequence(ok(text='{"answer": "ok", "score": 3}')))
    model = make_model(
        "openai-compatible:llama3.1",
        credentials={"base_url": server.openai_base_url},
        options={"structured_output": "prompt"},
    )
    result = await model.chat(ChatRequest.from_prompt("Rate", response_schema=schema, max_tokens=9))

    assert model.model_id == "openai-compatible:llama3.1"
    assert result.data == {"answer": "ok", "score": 3}
    body = server.requests[0].body
    assert "response_format" not in body
    assert body["max_tokens"] == 9
    assert body["messages"][0]["role"] == "system"
    assert '"score"' in body["messages"][0]["content"]


async def test_fake_server_lists_models_through_the_sdk(server: FakeProviderServer) -> None:
    import openai

    async with openai.AsyncOpenAI(base_url=server.openai_base_url, api_key="k", max_retries=0) as client:
        models = await client.models.list()
    assert [m.id for m in models.data] == ["fake-model"]
