"""Seed amplification as a job: the user's examples are kept and traced, new pairs are written from them."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from app.core.config import Settings
from distillation.testing import FakeProviderServer
from distillation.testing.answers import schema_name, varied_answer
from tests.conftest import WorkerProcess, api_client, login, migrate
from tests.jobs.jobkit import STUDENT, TEACHER, job_settings, wait_for

INSTRUCTION = "You are a friendly support agent. Answer in one or two sentences."
SEEDS = [
    {"input": "My parcel has not arrived after ten days.", "output": "Sorry! Please share the order number."},
    {"input": "How do I reset my router password?", "output": "Hold the reset button for ten seconds."},
    {"input": "I was charged twice this month.", "output": "I will refund the duplicate charge today."},
]


def amplification(count: int, seeds: list[dict[str, str]], **overrides: Any) -> dict[str, Any]:
    """A generation request body that amplifies ``seeds``."""
    body: dict[str, Any] = {
        "name": f"amplified {count}",
        "data_type": "generation",
        "count": count,
        "instruction": INSTRUCTION,
        "seed_examples": seeds,
        "teacher": TEACHER,
        "student": STUDENT,
        "concurrency": 4,
        "seed": 5,
    }
    body.update(overrides)
    return body


async def test_amplification_keeps_the_examples_and_writes_count_new_pairs(
    any_settings: Settings, start_worker: Callable[..., WorkerProcess]
) -> None:
    with FakeProviderServer(varied_answer) as server:
        settings = job_settings(any_settings, server)
        await migrate(settings)
        start_worker(settings, "--beat")
        async with api_client(settings) as client:
            await login(client)
            # The same example given twice is kept once: a user's example cannot be rewritten.
            started = await client.post("/api/v1/jobs/generate", json=amplification(12, [*SEEDS, SEEDS[0]]))
            assert started.status_code == 201, started.text
            assert started.json()["kind"] == "amplify"
            assert started.json()["requested"] == 16
            job = await wait_for(client, started.json()["id"], ("completed", "failed"))
            examples = f"/api/v1/datasets/{job['dataset_id']}/examples"
            listed = (await client.get(examples, params={"page_size": 100})).json()["items"]
            rows = [(await client.get(f"{examples}/{row['id']}")).json() for row in listed]
            calls = (await client.get(f"/api/v1/jobs/{job['id']}/calls", params={"page_size": 500})).json()

    assert job["status"] == "completed", job
    assert job["accepted"] == 15
    stages = {stage["stage"]: stage for stage in job["stages"]}
    assert (stages["seed"]["done"], stages["seed"]["rejected"]) == (3, 1)
    assert stages["bulk"]["done"] == 12
    seeds = [row for row in rows if row["stage"] == "seed"]
    written = [row for row in rows if row["stage"] == "bulk"]
    assert sorted(row["messages"][1]["content"] for row in seeds) == sorted(s["input"] for s in SEEDS)
    assert all(row["provenance"]["reasoning"] for row in seeds)  # the teacher's trace of each example
    assert len(written) == 12
    for row in written:
        assert [m["role"] for m in row["messages"]] == ["system", "user", "assistant"]
        assert row["messages"][0]["content"] == INSTRUCTION
        # Judged like any student row: by the cheap judge, or sampled out by the judge policy.
        route = row["provenance"]["judge_route"]
        assert route in ("cheap", "escalated", "sampled out")
        assert (row["score"] is None) == (route == "sampled out")
        assert set(row["provenance"]["exemplar_ids"]) <= {seed["item_key"] for seed in seeds}
    assert len({row["messages"][1]["content"] for row in rows}) == 15
    # Traces by the teacher, the policy by the teacher, new pairs by the student, every attempt booked.
    requests = Counter((r.body.get("model"), schema_name(r)) for r in server.requests if r.status == 200)
    assert requests[(TEACHER.split(":")[1], "reasoning_trace")] == 4
    assert requests[(TEACHER.split(":")[1], "task_policy")] == 1
    assert requests[(STUDENT.split(":")[1], "pair")] == 12
    assert calls["total"] == sum(requests.values())
    assert sum(Decimal(call["cost_usd"]) for call in calls["items"]) == Decimal(job["spent_usd"])


async def test_amplification_requests_are_checked_and_estimated(sqlite_settings: Settings) -> None:
    settings = sqlite_settings
    await migrate(settings)
    async with api_client(settings) as client:
        await login(client)
        without = await client.post("/api/v1/jobs/generate", json=amplification(5, SEEDS, instruction=None))
        wrong_type = await client.post("/api/v1/jobs/generate", json=amplification(5, SEEDS, data_type="qa"))
        empty = await client.post("/api/v1/jobs/generate", json=amplification(5, []))
        estimate = await client.post("/api/v1/jobs/estimate", json=amplification(20, SEEDS))

    assert without.status_code == 400
    assert "instruction" in without.json()["detail"]
    assert wrong_type.status_code == 400
    assert "generation" in wrong_type.json()["detail"]
    assert empty.status_code == 422
    assert estimate.status_code == 200, estimate.text
    planned = {stage["stage"]: stage for stage in estimate.json()["stages"]}
    assert (planned["seed"]["rows"], planned["seed"]["model"]) == (3, TEACHER)
    assert planned["policy"]["rows"] == 1
    assert (planned["bulk"]["rows"], planned["bulk"]["model"]) == (20, STUDENT)
    # The user's examples are not judged; the student judges a quarter of its rows, the teacher the
    # expected escalations.
    assert "judge" not in planned
    assert (planned["judge: cheap"]["rows"], planned["judge: cheap"]["model"]) == (5, STUDENT)
    assert (planned["judge: escalated"]["rows"], planned["judge: escalated"]["model"]) == (1, TEACHER)


async def test_seed_examples_are_read_from_jsonl_json_or_csv_with_every_bad_line(
    sqlite_settings: Settings,
) -> None:
    await migrate(sqlite_settings)
    jsonl = "\n".join(
        [
            json.dumps(SEEDS[0]),
            '{"input": "", "output": "x"}',
            "not json at all",
            json.dumps({"input": "No output here"}),
            json.dumps(SEEDS[1]),
        ]
    )
    csv = (
        'input,output\n"Where is my order?","It ships today."\n"Cancel it, please","Done, it is cancelled."\n'
    )
    async with api_client(sqlite_settings) as client:
        await login(client)
        read = {}
        for name, text in (("jsonl", jsonl), ("json", json.dumps(SEEDS)), ("csv", csv)):
            response = await client.post("/api/v1/jobs/seed-examples", json={"text": text})
            assert response.status_code == 200, response.text
            read[name] = response.json()
        too_many = "\n".join(json.dumps(SEEDS[0]) for _ in range(201))
        over = await client.post("/api/v1/jobs/seed-examples", json={"text": too_many})
        bad_csv = await client.post("/api/v1/jobs/seed-examples", json={"text": "question,answer\nA,B\n"})
        nothing = await client.post("/api/v1/jobs/seed-examples", json={"text": "null"})

    assert [e["input"] for e in read["jsonl"]["examples"]] == [SEEDS[0]["input"], SEEDS[1]["input"]]
    assert [e["line"] for e in read["jsonl"]["errors"]] == [2, 3, 4]
    assert "input" in read["jsonl"]["errors"][0]["reason"]
    assert "output" in read["jsonl"]["errors"][2]["reason"]
    assert read["json"] == {"examples": SEEDS, "errors": []}
    assert [e["output"] for e in read["csv"]["examples"]] == ["It ships today.", "Done, it is cancelled."]
    assert over.status_code == 413
    assert "200" in over.json()["detail"]
    # A CSV without input/output columns: every row is named as unusable, none is guessed.
    assert bad_csv.status_code == 200
    assert bad_csv.json() == {
        "examples": [],
        "errors": [{"line": 2, "reason": "'input' must be non-empty text"}],
    }
    assert nothing.status_code == 400
    assert "no examples" in nothing.json()["detail"]
