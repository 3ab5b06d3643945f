"""A wizard's preview writes 3 rows through the paid-call path into no dataset; an ended job sums up its rows.

Both run in a real worker against the fake provider, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from app.core.config import Settings
from distillation.testing import FakeProviderServer, RecordedRequest
from distillation.testing.answers import GOOD_SCORES, varied_answer
from tests.conftest import WorkerProcess, api_client, login, migrate
from tests.jobs.jobkit import generation, job_settings, wait_for


async def test_a_preview_writes_three_rows_into_no_dataset_and_is_paid_through_the_ledger(
    any_settings: Settings, start_worker: Callable[..., WorkerProcess]
) -> None:
    with FakeProviderServer(varied_answer) as server:
        settings = job_settings(any_settings, server)
        await migrate(settings)
        start_worker(settings, "--beat")
        async with api_client(settings) as client:
            await login(client)
            # The row count asked for is the full run's; a preview writes 3 whatever it is.
            started = await client.post("/api/v1/jobs/generate/preview", json=generation(500, name="Support"))
            assert started.status_code == 201, started.text
            assert started.json()["preview"] is True
            assert started.json()["requested"] == 3
            job_id, dataset_id = started.json()["id"], started.json()["dataset_id"]
            # Still running: it cannot be discarded yet (or it has ended, which the 204 below checks).
            early = await client.delete(f"/api/v1/jobs/{job_id}/preview")
            assert early.status_code in (204, 409), early.text
            if early.status_code == 204:
                raise AssertionError("a 3-row preview ended before its first read; the test proves nothing")
            job = await wait_for(client, job_id, ("completed", "failed"))
            assert job["status"] == "completed", job
            preview = (await client.get(f"/api/v1/jobs/{job_id}/preview")).json()
            listed = (await client.get("/api/v1/datasets")).json()
            hidden = await client.get(f"/api/v1/datasets/{dataset_id}")
            budget_before = (await client.get("/api/v1/budget")).json()
            discarded = await client.delete(f"/api/v1/jobs/{job_id}/preview")
            gone = await client.get(f"/api/v1/jobs/{job_id}")
            budget_after = (await client.get("/api/v1/budget")).json()
            not_a_preview = await client.post(
                "/api/v1/jobs/generate/preview",
                json=generation(
                    3,
                    data_type="generation",
                    instruction="Translate.",
                    seed_examples=[{"input": "a", "output": "b"}],
                ),
            )

    assert len(preview["rows"]) == 3
    assert all(row["messages"] for row in preview["rows"])
    assert [row["stage"] for row in preview["rows"]] == ["seed", "bulk", "bulk"]
    # Its cost is the ledger's: every attempt counted, the same money as the job's spend.
    assert preview["calls"] == len([r for r in server.requests if r.status == 200])
    assert Decimal(preview["cost_usd"]) == Decimal(job["spent_usd"]) > 0
    assert preview["input_tokens"] > 0
    assert preview["output_tokens"] > 0
    assert sum(row["output_tokens"] for row in preview["rows"]) <= preview["output_tokens"]
    assert preview["job"]["summary"]["rows"] == 3
    # No dataset the user did not ask for: none listed, none readable.
    assert dataset_id not in {d["id"] for d in listed["items"]}
    assert hidden.status_code == 404
    assert discarded.status_code == 204
    assert gone.status_code == 404
    # Discarding deletes the rows, not the spend.
    spent_after = Decimal(budget_after["spent_usd"])
    assert spent_after == Decimal(budget_before["spent_usd"]) >= Decimal(job["spent_usd"])
    assert not_a_preview.status_code == 400
    assert "amplification" in not_a_preview.json()["detail"]


def _picky_judge(request: RecordedRequest) -> dict[str, Any]:
    """Scores by the request: about half the judged rows score 1 (removed), the others 9."""
    score = 1 if int(request.key[:8], 16) % 2 else 9
    return {**GOOD_SCORES, **{k: score for k in GOOD_SCORES if k != "feedback"}}


async def test_an_ended_job_says_how_many_rows_were_judged_checked_by_structure_or_removed(
    any_settings: Settings, start_worker: Callable[..., WorkerProcess]
) -> None:
    with FakeProviderServer(lambda r: varied_answer(r, judge=_picky_judge)) as server:
        settings = job_settings(any_settings, server, job_max_variants=0)
        await migrate(settings)
        start_worker(settings, "--beat")
        async with api_client(settings) as client:
            await login(client)
            started = await client.post(
                "/api/v1/jobs/generate", json=generation(24, teacher_ratio=0.25, judge_sample_rate=0.5)
            )
            assert started.status_code == 201, started.text
            assert started.json()["summary"] is None  # not ended yet
            job = await wait_for(client, started.json()["id"], ("completed", "failed"))
            listed = (await client.get("/api/v1/jobs")).json()["items"]

    assert job["status"] == "completed", job
    summary = job["summary"]
    assert summary["rows"] == job["accepted"]
    assert summary["judged"] + summary["structure_only"] == summary["rows"]
    # Half the student rows are sampled out of judging; the judged ones scoring 1 are removed.
    assert summary["judged"] > 0
    assert summary["structure_only"] > 0
    assert summary["removed"] > 0
    assert summary["removed"] == sum(s["rejected"] + s["failed"] for s in job["stages"])
    assert sum(r["count"] for r in summary["reasons"]) == summary["removed"]
    assert all(r["reason"] for r in summary["reasons"])
    # A list stays cheap: only one job's read carries its summary.
    assert all(item["summary"] is None for item in listed)


async def test_a_preview_nobody_discarded_is_deleted_after_its_retention_with_its_spend_kept(
    any_settings: Settings, start_worker: Callable[..., WorkerProcess]
) -> None:
    with FakeProviderServer(varied_answer) as server:
        settings = job_settings(any_settings, server, preview_retention_seconds=2.0)
        await migrate(settings)
        start_worker(settings, "--beat")
        async with api_client(settings) as client:
            await login(client)
            full = await client.post("/api/v1/jobs/generate", json=generation(3, name="Kept"))
            # Another seed: the preview's requests are its own, not cache hits of the full job's.
            preview = await client.post(
                "/api/v1/jobs/generate/preview", json=generation(50, name="Left", seed=1)
            )
            assert full.status_code == preview.status_code == 201, (full.text, preview.text)
            kept = await wait_for(client, full.json()["id"], ("completed", "failed"))
            ended = await wait_for(client, preview.json()["id"], ("completed", "failed"))
            assert ended["status"] == "completed", ended
            spent = Decimal((await client.get("/api/v1/budget")).json()["spent_usd"])
            deadline = asyncio.get_running_loop().time() + 60
            while (gone := await client.get(f"/api/v1/jobs/{ended['id']}")).status_code == 200:
                assert asyncio.get_running_loop().time() < deadline, "the preview was never deleted"
                await asyncio.sleep(0.5)
            rows = await client.get(f"/api/v1/jobs/{ended['id']}/preview")
            still = await client.get(f"/api/v1/jobs/{kept['id']}")
            dataset = await client.get(f"/api/v1/datasets/{kept['dataset_id']}")
            spent_after = Decimal((await client.get("/api/v1/budget")).json()["spent_usd"])

    assert gone.status_code == rows.status_code == 404
    # A job the user ran is never touched, and the deleted preview's spend stays counted.
    assert kept["status"] == "completed"
    assert still.status_code == dataset.status_code == 200
    assert dataset.json()["example_count"] == 3
    assert spent_after == spent > Decimal(kept["spent_usd"])
