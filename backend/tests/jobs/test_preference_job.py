"""Preference jobs: teacher and student answer every prompt, a judge compares them in both orders."""

from __future__ import annotations

import json
import os
import signal
from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import datasets as hf

from app.core.config import Settings
from distillation.testing import FakeProviderServer, RecordedRequest
from distillation.testing.answers import preference_answer, schema_name
from tests.conftest import WorkerProcess, api_client, login, migrate
from tests.jobs.jobkit import STUDENT, TEACHER, job_settings, wait_for, wait_until
from tests.jobs.test_relabel_job import prompt_csv, upload

# The fake judge prefers the teacher 9 to 4 in both orders, except: "tricky" prompts (it always picks A:
# position-inconsistent), "even" ones (a tie) and "close" ones (the teacher by 1 < the margin of 2).
PLAIN = [f"Prompt {i}: name a colour and a fruit." for i in range(8)]
TRICKY = ["A tricky one: name a colour.", "Another tricky one: name a fruit."]
EVEN = ["An even one: name a city."]
CLOSE = ["A close one: name a river."]
PROMPTS = [*PLAIN, *TRICKY, *EVEN, *CLOSE]


def behaviour(request: RecordedRequest) -> Any:
    return preference_answer(request, teacher=TEACHER.split(":", 1)[1])


def preference(prompt_set_id: str, **overrides: Any) -> dict[str, Any]:
    body = {"prompt_set_id": prompt_set_id, "name": "pairs", "teacher": TEACHER, "student": STUDENT}
    return body | {"concurrency": 4} | overrides


def asked(server: FakeProviderServer) -> Counter[tuple[str, str]]:
    """(model, prompt) of every answered answer request (judge requests left out)."""
    return Counter(
        (r.model, r.body["messages"][-1]["content"])
        for r in server.requests
        if r.status == 200 and schema_name(r) != "pairwise_verdict"
    )


def judged(server: FakeProviderServer) -> int:
    return sum(1 for r in server.requests if r.status == 200 and schema_name(r) == "pairwise_verdict")


async def test_a_preference_job_keeps_the_clear_pairs_with_both_verdicts_and_exports_them(
    any_settings: Settings, start_worker: Callable[..., WorkerProcess], tmp_path: Path
) -> None:
    with FakeProviderServer(behaviour) as server:
        settings = job_settings(any_settings, server)
        await migrate(settings)
        start_worker(settings, "--beat")
        async with api_client(settings) as client:
            await login(client)
            prompt_set_id = await upload(client, prompt_csv(PROMPTS))
            started = await client.post("/api/v1/jobs/preference", json=preference(prompt_set_id))
            assert started.status_code == 201, started.text
            job = await wait_for(client, started.json()["id"], ("completed", "failed"))
            examples = f"/api/v1/datasets/{job['dataset_id']}/examples"
            listed = (await client.get(examples, params={"page_size": 100})).json()["items"]
            rows = [(await client.get(f"{examples}/{row['id']}")).json() for row in listed]
            calls = (await client.get(f"/api/v1/jobs/{job['id']}/calls", params={"page_size": 500})).json()
            export = f"/api/v1/datasets/{job['dataset_id']}/export"
            trl = await client.get(export, params={"format": "trl-dpo"})
            openai = await client.get(export, params={"format": "openai-preference"})
            split = await client.get(export, params={"format": "trl-dpo", "split": "train"})
            same = await client.post(
                "/api/v1/jobs/preference", json=preference(prompt_set_id, student=TEACHER)
            )

    assert job["status"] == "completed", job
    assert (job["kind"], job["requested"], job["accepted"]) == ("preference", 12, 8)
    assert job["stages"][0]["stage"] == "preference"
    # The fake server's log: each model answered each prompt once; the judge saw every pair twice.
    teacher, student = TEACHER.split(":", 1)[1], STUDENT.split(":", 1)[1]
    assert asked(server) == Counter({(m, p): 1 for p in PROMPTS for m in (teacher, student)})
    assert judged(server) == 2 * len(PROMPTS)
    assert job["preference"] == {
        "pairs": 12,
        "kept": 8,
        "rejected": 4,
        "preferred": {"teacher": 8},
        "position_inconsistent": 2,
        "ties": 1,
        "below_margin": 1,
        "reasons": [
            {"reason": "position-inconsistent", "count": 2},
            {"reason": "tie", "count": 1},
            {"reason": "below margin", "count": 1},
        ],
    }
    assert sorted(row["record"]["prompt"][-1]["content"] for row in rows) == sorted(PLAIN)
    for row in rows:
        prompt = row["record"]["prompt"]
        question = prompt[-1]["content"]
        assert prompt == [
            {"role": "system", "content": "Answer briefly."},
            {"role": "user", "content": question},
        ]
        assert row["record"]["chosen"] == [{"role": "assistant", "content": f"Teacher answer: {question}"}]
        assert row["record"]["rejected"] == [{"role": "assistant", "content": f"Student answer: {question}"}]
        assert row["messages"] == [*prompt, *row["record"]["chosen"]]
        assert row["stage"] == "preference"
        verdicts = row["provenance"]["preference"]["verdicts"]
        assert [(v["order"], v["winner"], v["preferred"]) for v in verdicts] == [
            ("teacher-first", "A", "teacher"),
            ("student-first", "B", "teacher"),
        ]
        assert [(v["teacher_score"], v["student_score"]) for v in verdicts] == [(9, 4), (9, 4)]
        assert row["provenance"]["preference"]["margin"] == 5
        assert row["provenance"]["model"] == TEACHER
        assert sorted(call["stage"] for call in row["provenance"]["calls"]) == [
            "judge",
            "judge",
            "relabel",
            "relabel-student",
        ]
    # The ledger is the job's cost: one settled row per request the server answered.
    assert calls["total"] == sum(1 for r in server.requests if r.status == 200) == 4 * len(PROMPTS)
    assert sum(Decimal(call["cost_usd"]) for call in calls["items"]) == Decimal(job["spent_usd"]) > 0

    assert trl.status_code == 200, trl.text
    path = tmp_path / "pairs.jsonl"
    path.write_bytes(trl.content)
    loaded = hf.load_dataset("json", data_files=str(path), split="train")
    assert sorted(loaded.column_names) == ["chosen", "prompt", "rejected"]
    assert len(loaded) == 8
    first = loaded[0]
    assert first["chosen"][0]["content"] == f"Teacher answer: {first['prompt'][-1]['content']}"
    lines = [json.loads(line) for line in openai.text.splitlines()]
    assert len(lines) == 8
    assert all(set(line) == {"input", "preferred_output", "non_preferred_output"} for line in lines)
    assert split.status_code == 400
    assert same.status_code == 422


async def test_a_preference_export_of_a_dataset_without_pairs_is_refused(
    sqlite_settings: Settings, start_worker: Callable[..., WorkerProcess]
) -> None:
    with FakeProviderServer(behaviour) as server:
        settings = job_settings(sqlite_settings, server)
        await migrate(settings)
        async with api_client(settings) as client:
            await login(client)
            made = await client.post(
                "/api/v1/datasets/upload",
                files={
                    "file": (
                        "rows.jsonl",
                        b'{"messages": [{"role": "user", "content": "hi"}, '
                        b'{"role": "assistant", "content": "hello"}]}\n',
                    )
                },
                data={"name": "chats", "data_type": "generation"},
            )
            assert made.status_code == 201, made.text
            refused = await client.get(
                f"/api/v1/datasets/{made.json()['dataset']['id']}/export", params={"format": "trl-dpo"}
            )
    assert refused.status_code == 400
    assert "not pairs" in refused.text


async def test_a_killed_worker_does_not_decide_a_pair_twice(
    any_settings: Settings, start_worker: Callable[..., WorkerProcess]
) -> None:
    prompts = [f"Prompt {i}: name a colour and a number." for i in range(24)]
    with FakeProviderServer(behaviour) as server:
        settings = job_settings(any_settings, server, job_chunk_size=4)
        await migrate(settings)
        worker = start_worker(settings, "--beat")
        async with api_client(settings) as client:
            await login(client)
            prompt_set_id = await upload(client, prompt_csv(prompts))
            job = (
                await client.post("/api/v1/jobs/preference", json=preference(prompt_set_id, concurrency=2))
            ).json()
            await wait_until(client, job["id"], 6)
            os.killpg(worker.proc.pid, signal.SIGKILL)  # the worker and its pool child, mid-item
            worker.proc.wait(10)
            start_worker(settings, "--beat")
            done = await wait_for(client, job["id"], ("completed", "failed"), within=180)
            calls = (await client.get(f"/api/v1/jobs/{job['id']}/calls", params={"page_size": 500})).json()
            listed = (
                await client.get(f"/api/v1/datasets/{job['dataset_id']}/examples", params={"page_size": 100})
            ).json()

    assert done["status"] == "completed", done
    assert done["accepted"] == 24
    assert done["preference"]["pairs"] == 24
    assert sorted(row["messages"][-2]["content"] for row in listed["items"]) == sorted(prompts)
    # Each prompt's four calls (two answers, two verdicts) are paid once: a call the kill cut off is booked
    # as unknown and sent again, its answer then taken from the cache or paid once.
    settled = [call for call in calls["items"] if call["status"] == "settled"]
    paid = Counter((call["item_key"], call["stage"], call["model"]) for call in settled)
    keys = {row["item_key"] for row in listed["items"]}
    expected = {(TEACHER, "relabel"): 1, (STUDENT, "relabel-student"): 1, (TEACHER, "judge"): 2}
    assert paid == Counter(
        {(key, stage, model.split(":", 1)[1]): n for key in keys for (model, stage), n in expected.items()}
    )
    assert {call["status"] for call in calls["items"]} <= {"settled", "unknown"}
    assert calls["total"] - len(settled) <= 4  # at most the calls in flight at the kill
    assert sum(Decimal(call["cost_usd"]) for call in settled) == Decimal(done["spent_usd"]) > 0
