"""Gemini batch mode: the fake server's batchGenerateContent, driven through the adapter and the SDK."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from distillation.providers import ChatRequest, get_model
from distillation.providers.batch import BatchExpiredError, offers_batches
from distillation.providers.errors import ProviderError, ServerError
from distillation.providers.types import Completion
from distillation.testing import BatchPlan, FakeProviderServer, server_error, when


def client(server: FakeProviderServer) -> Any:
    return get_model("google:gemini-2.5-flash", credentials={"api_key": "test", "base_url": server.url})


async def run_batch(server: FakeProviderServer, prompts: list[str], wait: float) -> tuple[Any, Any, Any]:
    model = client(server)
    api = model.batch_api
    assert api is not None
    requests = {f"k{n}": ChatRequest.from_prompt(text, max_tokens=32) for n, text in enumerate(prompts)}
    try:
        batch_id = await api.submit(list(requests.items()))
        await asyncio.sleep(wait)
        status = await api.status(batch_id)
        results = await api.results(batch_id, requests) if status.ended else None
    finally:
        await model.aclose()
    return batch_id, status, results


def test_google_models_go_through_batches() -> None:
    assert offers_batches("google:gemini-2.5-flash")


async def test_a_batch_answers_every_request_once_its_delay_has_passed() -> None:
    with FakeProviderServer(batches=BatchPlan(delay_s=0.1)) as server:
        batch_id, status, results = await run_batch(server, ["one", "two"], wait=0.15)
        created = [
            r for r in server.requests if r.api == "gemini-batch" and r.path.endswith(":batchGenerateContent")
        ]
        answered = [r for r in server.requests if r.batch == batch_id]
    assert batch_id == "batches/fake-1"
    assert [r.path for r in created] == ["/v1beta/models/gemini-2.5-flash:batchGenerateContent"]
    assert (status.state, status.ended, status.total, status.answered) == ("JOB_STATE_SUCCEEDED", True, 2, 2)
    assert isinstance(results["k1"], Completion)
    assert results["k1"].text == "echo: two"
    assert results["k1"].usage.input_tokens > 0
    assert [(r.api, r.model, r.text) for r in answered] == [
        ("gemini", "gemini-2.5-flash", "one"),
        ("gemini", "gemini-2.5-flash", "two"),
    ]


async def test_a_batch_still_running_reports_itself_running() -> None:
    with FakeProviderServer(batches=BatchPlan(delay_s=30)) as server:
        _, status, results = await run_batch(server, ["one"], wait=0)
    assert (status.state, status.ended, status.total, status.answered) == ("JOB_STATE_RUNNING", False, 1, 0)
    assert results is None


async def test_requests_the_script_fails_come_back_as_their_errors() -> None:
    with FakeProviderServer(when(lambda r: "bad" in r.text, server_error(500))) as server:
        _, status, results = await run_batch(server, ["good", "bad"], wait=0)
    assert (status.answered, status.failed) == (1, 1)
    assert isinstance(results["k0"], Completion)
    assert isinstance(results["k1"], ServerError)


async def test_an_expired_batch_answers_only_its_first_requests() -> None:
    with FakeProviderServer(batches=BatchPlan(expire=True, answered_before_expiry=1)) as server:
        _, status, results = await run_batch(server, ["a", "b", "c"], wait=0)
    assert (status.state, status.ended) == ("JOB_STATE_EXPIRED", True)
    assert isinstance(results["k0"], Completion)
    assert all(isinstance(results[k], BatchExpiredError) for k in ("k1", "k2"))


async def test_a_structured_request_keeps_its_schema_and_system_prompt_in_the_batch() -> None:
    schema = {"type": "object", "properties": {"answer": {"type": "string"}}, "required": ["answer"]}
    request = ChatRequest.from_prompt("q", system="be brief", max_tokens=16, response_schema=schema)
    with FakeProviderServer(batches=BatchPlan()) as server:
        model = client(server)
        try:
            batch_id = await model.batch_api.submit([("k", request)])
            results = await model.batch_api.results(batch_id, {"k": request})
        finally:
            await model.aclose()
        line = next(r for r in server.requests if r.batch == batch_id)
    assert line.body["systemInstruction"]["parts"][0]["text"] == "be brief"
    assert line.body["generationConfig"]["responseJsonSchema"] == schema
    assert isinstance(results["k"], Completion)


async def test_an_unknown_batch_is_a_provider_error() -> None:
    with FakeProviderServer() as server:
        model = client(server)
        try:
            with pytest.raises(ProviderError, match="HTTP 404"):
                await model.batch_api.status("batches/fake-9")
        finally:
            await model.aclose()
