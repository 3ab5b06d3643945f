"""Relabel jobs: the teacher answers every prompt of an uploaded prompt set, once, into a new dataset."""

from __future__ import annotations

import json
import os
import signal
from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import httpx

from app.core.config import Settings
from distillation.formats import validate_openai_dataset
from distillation.testing import Behavior, FakeProviderServer, RecordedRequest, ok
from distillation.testing.answers import schema_name
from tests.conftest import WorkerProcess, api_client, login, migrate
from tests.jobs.jobkit import TEACHER, job_settings, wait_for, wait_until

SCORES = ("content_quality", "instruction_alignment", "factual_correctness", "formatting", "training_utility")
QUESTIONS = [f"Question number {i}: what is {i} times {i + 3}?" for i in range(12)]


def judged(request: RecordedRequest) -> Behavior:
    """Answers quote the prompt; the judge scores answers about 'spam' 2, the rest 9."""
    if schema_name(request) == "judge_scores":
        score = 2 if "spam" in request.text else 9
        return ok(text=json.dumps({**dict.fromkeys(SCORES, score), "feedback": []}), usage=(50, 10))
    return ok(text=f"Sure: {request.body['messages'][-1]['content']}", usage=(30, 20)).with_(latency=0.05)


def prompt_csv(questions: list[str]) -> bytes:
    lines = ["prompt,system,topic"] + [f'"{q}",Answer briefly.,math' for q in questions]
    return "\n".join(lines).encode()


async def upload(client: httpx.AsyncClient, content: bytes) -> str:
    stored = await client.post(
        "/api/v1/prompt-sets",
        files={"file": ("prompts.csv", content)},
        data={"name": "my prompts"},
        params={"on_error": "skip"},
    )
    assert stored.status_code == 201, stored.text
    return str(stored.json()["prompt_set"]["id"])


def relabel(prompt_set_id: str, **overrides: Any) -> dict[str, Any]:
    return {
        "prompt_set_id": prompt_set_id,
        "name": "answered",
        "teacher": TEACHER,
        "concurrency": 4,
    } | overrides


def answers(server: FakeProviderServer) -> Counter[str]:
    """How often the teacher was asked each prompt (answered requests, judge requests left out)."""
    return Counter(
        r.body["messages"][-1]["content"]
        for r in server.requests
        if r.status == 200 and schema_name(r) != "judge_scores"
    )


async def test_every_prompt_is_answered_once_with_its_provenance(
    sqlite_settings: Settings, start_worker: Callable[..., WorkerProcess]
) -> None:
    questions = [*QUESTIONS, "Write some spam for me."]
    with FakeProviderServer(judged) as server:
        settings = job_settings(sqlite_settings, server)
        await migrate(settings)
        start_worker(settings, "--beat")
        async with api_client(settings) as client:
            await login(client)
            prompt_set_id = await upload(client, prompt_csv(questions))
            started = await client.post("/api/v1/jobs/relabel", json=relabel(prompt_set_id))
            assert started.status_code == 201, started.text
            job = await wait_for(client, started.json()["id"], ("completed", "failed"))
            examples = f"/api/v1/datasets/{job['dataset_id']}/examples"
            listed = (await client.get(examples, params={"page_size": 100})).json()["items"]
            rows = [(await client.get(f"{examples}/{row['id']}")).json() for row in listed]
            calls = (await client.get(f"/api/v1/jobs/{job['id']}/calls", params={"page_size": 500})).json()
            dataset = (await client.get(f"/api/v1/datasets/{job['dataset_id']}")).json()
            exported = await client.get(
                f"/api/v1/datasets/{job['dataset_id']}/export", params={"format": "openai"}
            )
            missing = await client.post(
                "/api/v1/jobs/relabel", json=relabel("00000000-0000-0000-0000-000000000000")
            )

    assert job["status"] == "completed", job
    assert (job["kind"], job["requested"], job["accepted"]) == ("relabel", 13, 12)
    assert job["stages"][0]["stage"] == "relabel"
    assert job["stages"][0]["rejected"] == 1  # the spam answer scored 2
    assert answers(server) == Counter({f"{q}": 1 for q in questions})
    assert (dataset["status"], dataset["example_count"]) == ("ready", 12)
    assert sorted(row["messages"][1]["content"] for row in rows) == sorted(QUESTIONS)
    for row in rows:
        question = row["messages"][1]["content"]
        assert row["messages"] == [
            {"role": "system", "content": "Answer briefly."},
            {"role": "user", "content": question},
            {"role": "assistant", "content": f"Sure: {question}"},
        ]
        assert row["stage"] == "relabel"
        assert row["score"] == 9
        provenance = row["provenance"]
        line = QUESTIONS.index(question) + 2
        assert provenance["scenario"]["line"] == str(line)
        assert provenance["scenario"]["prompt_set_id"] == prompt_set_id
        assert row["item_key"] == f"relabel-{provenance['scenario']['fingerprint'][:24]}"
        assert provenance["model"] == TEACHER
        assert [call["stage"] for call in provenance["calls"]] == ["relabel", "judge"]
        assert Decimal(provenance["calls"][0]["cost_usd"]) > 0
        assert row["record"]["source"]["variables"] == {"topic": "math"}
    assert calls["total"] == sum(1 for r in server.requests if r.status == 200) == 26
    assert sum(Decimal(call["cost_usd"]) for call in calls["items"]) == Decimal(job["spent_usd"]) > 0
    assert missing.status_code == 404
    lines = [json.loads(line) for line in exported.text.splitlines()]
    assert len(lines) == 12
    assert validate_openai_dataset(lines).errors == ()


async def test_a_killed_worker_does_not_answer_a_prompt_twice(
    any_settings: Settings, start_worker: Callable[..., WorkerProcess]
) -> None:
    questions = [f"Prompt {i}: name a colour and a number." for i in range(30)]
    with FakeProviderServer(judged) as server:
        settings = job_settings(any_settings, server, job_chunk_size=5)
        await migrate(settings)
        worker = start_worker(settings, "--beat")
        async with api_client(settings) as client:
            await login(client)
            prompt_set_id = await upload(client, prompt_csv(questions))
            body = relabel(prompt_set_id, judge_sample_rate=0, concurrency=2)
            job = (await client.post("/api/v1/jobs/relabel", json=body)).json()
            await wait_until(client, job["id"], 8)
            os.killpg(worker.proc.pid, signal.SIGKILL)  # the worker and its pool child, mid-item
            worker.proc.wait(10)
            start_worker(settings, "--beat")
            done = await wait_for(client, job["id"], ("completed", "failed"), within=180)
            calls = (await client.get(f"/api/v1/jobs/{job['id']}/calls", params={"page_size": 500})).json()
            listed = (
                await client.get(f"/api/v1/datasets/{job['dataset_id']}/examples", params={"page_size": 100})
            ).json()

    assert done["status"] == "completed", done
    assert done["accepted"] == 30
    assert sorted(row["messages"][1]["content"] for row in listed["items"]) == sorted(questions)
    asked = answers(server)
    assert set(asked) == {f"{q}" for q in questions}
    # A prompt is sent again only when the kill cut off one of the two calls in flight before its answer
    # was settled and cached (one commit): such a call is booked as unknown, never as a paid answer.
    assert sum(asked.values()) - len(questions) <= 2
    settled = [call for call in calls["items"] if call["status"] == "settled"]
    keys = [call["item_key"] for call in settled]
    assert sorted(keys) == sorted(row["item_key"] for row in listed["items"])  # each answer paid once
    assert len(keys) - len(set(keys)) == 0
    assert calls["total"] - len(settled) <= 2
    assert {call["status"] for call in calls["items"]} <= {"settled", "unknown"}
    assert sum(Decimal(call["cost_usd"]) for call in settled) == Decimal(done["spent_usd"]) > 0


WEATHER = {
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


def tool_calls(request: RecordedRequest) -> Behavior:
    """Good judge scores; the teacher calls the offered tool, with broken arguments when asked to."""
    if schema_name(request) == "judge_scores":
        return ok(text=json.dumps({**dict.fromkeys(SCORES, 9), "feedback": []}), usage=(50, 10))
    return ok(tool_call="invalid_arguments" if "broken" in request.text else "auto", usage=(30, 20))


def tool_prompts(count: int) -> bytes:
    """Chat logs offering a tool; the first carries an earlier call and its result; the last asks for a
    broken call."""
    lines = []
    for number in range(count):
        ask = "Make a broken call." if number == count - 1 else f"Weather in city {number}?"
        messages: list[dict[str, Any]] = [{"role": "user", "content": ask}]
        if number == 0:
            call: dict[str, Any] = {"id": "call_0", "type": "function"}
            call["function"] = {"name": "get_weather", "arguments": '{"city": "Oslo", "unit": "c"}'}
            messages = [
                {"role": "user", "content": "Weather in Oslo?"},
                {"role": "assistant", "content": None, "tool_calls": [call]},
                {"role": "tool", "tool_call_id": "call_0", "content": "rain"},
                {"role": "assistant", "content": "Rain in Oslo."},
                *messages,
            ]
        lines.append(json.dumps({"messages": messages, "tools": [WEATHER]}))
    return "\n".join(lines).encode()


async def test_a_tool_calling_prompt_set_becomes_a_dataset_with_tools(
    any_settings: Settings, start_worker: Callable[..., WorkerProcess]
) -> None:
    with FakeProviderServer(tool_calls) as server:
        settings = job_settings(any_settings, server)
        await migrate(settings)
        start_worker(settings, "--beat")
        async with api_client(settings) as client:
            await login(client)
            stored = await client.post(
                "/api/v1/prompt-sets",
                files={"file": ("tools.jsonl", tool_prompts(12))},
                data={"name": "tool prompts"},
            )
            assert stored.status_code == 201, stored.text
            prompt_set = stored.json()["prompt_set"]
            sample = (await client.get(f"/api/v1/prompt-sets/{prompt_set['id']}/prompts")).json()
            started = await client.post("/api/v1/jobs/relabel", json=relabel(prompt_set["id"]))
            assert started.status_code == 201, started.text
            job = await wait_for(client, started.json()["id"], ("completed", "failed"))
            examples = f"/api/v1/datasets/{job['dataset_id']}/examples"
            listed = (await client.get(examples, params={"page_size": 100})).json()["items"]
            rows = [(await client.get(f"{examples}/{row['id']}")).json() for row in listed]
            exported = await client.get(
                f"/api/v1/datasets/{job['dataset_id']}/export", params={"format": "openai"}
            )
            items = (await client.get(f"/api/v1/jobs/{job['id']}/items")).json()

    assert all(prompt["tools"] == [WEATHER] for prompt in sample)
    assert job["status"] == "completed", job
    assert (job["requested"], job["accepted"]) == (12, 11)
    teacher = [r for r in server.requests if schema_name(r) != "judge_scores"]
    assert all(r.body["tools"] == [WEATHER] for r in teacher)
    assert sum("broken" in r.text for r in teacher) == 3  # the answer and two re-asks
    assert "tool 'get_weather' has invalid arguments" in json.dumps(items)
    for row in rows:
        reply = row["messages"][-1]
        assert reply["role"] == "assistant"
        assert [call["function"]["name"] for call in reply["tool_calls"]] == ["get_weather"]
        assert row["record"]["tools"] == [WEATHER]
    oslo = next(row for row in rows if row["messages"][0]["content"] == "Weather in Oslo?")
    assert oslo["messages"][2] == {"role": "tool", "tool_call_id": "call_0", "content": "rain"}
    lines = [json.loads(line) for line in exported.text.splitlines()]
    assert len(lines) == 11
    assert all(line["tools"] == [WEATHER] for line in lines)
    assert validate_openai_dataset(lines).errors == ()
