"""Jobs run the stored spec version they name: an edit reaches the next job, never a running one."""

from __future__ import annotations

import json
from collections.abc import Callable

from app.core.config import Settings
from distillation.testing import Behavior, FakeProviderServer, RecordedRequest, ok
from distillation.testing.answers import schema_name
from tests.conftest import WorkerProcess, api_client, login, migrate
from tests.jobs.jobkit import TEACHER, job_settings, wait_for, wait_until

API = "/api/v1/task-specs"
SCORES = ("content_quality", "instruction_alignment", "factual_correctness", "formatting", "training_utility")
FIRST, SECOND = "Answer in one short sentence.", "Answer with a bulleted list."


def slow(request: RecordedRequest) -> Behavior:
    if schema_name(request) == "judge_scores":
        return ok(text=json.dumps({**dict.fromkeys(SCORES, 9), "feedback": []}), usage=(50, 10))
    return ok(text=json.dumps({"answer": "Four."}), usage=(30, 20)).with_(latency=0.3)


def csv(prefix: str, count: int) -> bytes:
    return "\n".join(["prompt"] + [f"{prefix} question {i}?" for i in range(count)]).encode()


def system_of(request: RecordedRequest) -> str:
    first = request.body["messages"][0]
    return str(first["content"]) if first["role"] == "system" else ""


async def test_a_policy_edit_changes_the_next_jobs_prompts_not_a_running_one(
    sqlite_settings: Settings, start_worker: Callable[..., WorkerProcess]
) -> None:
    spec = {
        "name": "brief",
        "instruction": "Help the user.",
        "output_schema": {
            "type": "object",
            "required": ["answer"],
            "properties": {"answer": {"type": "string"}},
        },
        "policy": FIRST,
    }
    with FakeProviderServer(slow) as server:
        settings = job_settings(sqlite_settings, server)
        await migrate(settings)
        start_worker(settings, "--beat")
        async with api_client(settings) as client:
            await login(client)
            spec_id = (await client.post(API, json={"spec": spec})).json()["id"]
            sets = {}
            for prefix in ("alpha", "beta"):
                stored = await client.post(
                    "/api/v1/prompt-sets", files={"file": ("p.csv", csv(prefix, 6))}, data={"name": prefix}
                )
                sets[prefix] = stored.json()["prompt_set"]["id"]

            def body(prefix: str) -> dict[str, object]:
                return {
                    "prompt_set_id": sets[prefix],
                    "name": prefix,
                    "teacher": TEACHER,
                    "concurrency": 1,
                    "judge_sample_rate": 0,
                    "task_spec_id": spec_id,
                }

            running = (await client.post("/api/v1/jobs/relabel", json=body("alpha"))).json()
            at_edit = await wait_until(client, running["id"], 1)
            edited = await client.put(f"{API}/{spec_id}", json={"spec": spec | {"policy": SECOND}})
            following = (await client.post("/api/v1/jobs/relabel", json=body("beta"))).json()
            first = await wait_for(client, running["id"], ("completed", "failed"))
            second = await wait_for(client, following["id"], ("completed", "failed"))
            examples = f"/api/v1/datasets/{second['dataset_id']}/examples"
            rows = (await client.get(examples)).json()["items"]
            row = (await client.get(f"{examples}/{rows[0]['id']}")).json()

    assert edited.json()["version"] == 2
    assert at_edit["status"] == "running"
    assert at_edit["accepted"] < 6
    assert (first["status"], first["accepted"], second["status"], second["accepted"]) == (
        "completed",
        6,
        "completed",
        6,
    )
    assert (first["config"]["task_spec_version"], second["config"]["task_spec_version"]) == (1, 2)
    asked = [r for r in server.requests if r.status == 200 and schema_name(r) != "judge_scores"]
    alpha = [system_of(r) for r in asked if "alpha" in r.text]
    beta = [system_of(r) for r in asked if "beta" in r.text]
    # The alpha job was answering when the policy changed: every one of its prompts kept version 1's.
    assert len(alpha) == 6
    assert all(FIRST in text and SECOND not in text for text in alpha)
    assert len(beta) == 6
    assert all(SECOND in text and FIRST not in text for text in beta)
    assert row["provenance"]["task"] == {"name": "brief", "version": "2", "builtin": False}
