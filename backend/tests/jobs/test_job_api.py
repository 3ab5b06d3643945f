"""The jobs API around a finished job: ledger, estimate, analytics, SSE, metrics, and who may do what."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx
import pytest

from app.core.config import Settings
from app.models import Role
from distillation.testing import FakeProviderServer, RecordedRequest
from distillation.testing.answers import GOOD_SCORES, varied_answer
from tests.clients import bearer_client, token_of
from tests.conftest import WorkerProcess, api_client, login, make_settings, migrate
from tests.jobs.jobkit import TEACHER, generation, job_settings, wait_for
from tests.observability.promql import sample_value
from tests.observability.promtool import promtool
from tests.services import free_port


@dataclass
class FinishedJob:
    """A 20-row job that ran in a real worker, with the worker's metrics scraped afterwards."""

    settings: Settings
    job: dict[str, Any]
    worker_metrics: str
    server: FakeProviderServer


@pytest.fixture(scope="module")
async def finished(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[FinishedJob]:
    tmp = tmp_path_factory.mktemp("finished-job")
    with FakeProviderServer(varied_answer) as server:
        settings = job_settings(make_settings(tmp / "data", worker_metrics_port=free_port()), server)
        await migrate(settings)
        worker = WorkerProcess(settings, tmp / "worker.log", "--beat")
        try:
            worker.wait_ready()
            async with api_client(settings) as client:
                await login(client)
                started = await client.post("/api/v1/jobs/generate", json=generation(20))
                assert started.status_code == 201, started.text
                job = await wait_for(client, started.json()["id"], ("completed", "failed"))
            async with httpx.AsyncClient() as scraper:
                scrape = await scraper.get(f"http://127.0.0.1:{settings.worker_metrics_port}/metrics")
            yield FinishedJob(settings, job, scrape.text, server)
        finally:
            worker.stop()


async def test_the_ledger_lists_every_attempt_and_adds_up_to_the_spend(finished: FinishedJob) -> None:
    async with api_client(finished.settings) as client:
        await login(client)
        calls = (
            await client.get(f"/api/v1/jobs/{finished.job['id']}/calls", params={"page_size": 500})
        ).json()
    stages = {call["stage"] for call in calls["items"]}
    assert {"seed", "policy", "bulk", "judge"} <= stages
    assert sum(Decimal(c["cost_usd"]) for c in calls["items"]) == Decimal(finished.job["spent_usd"])


async def test_worker_metrics_pass_promtool_and_their_cost_equals_the_ledger(finished: FinishedJob) -> None:
    checked = promtool("check", "metrics", stdin=finished.worker_metrics)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    metered = sample_value(finished.worker_metrics, "distillery_provider_cost_usd_total")
    assert metered is not None
    assert Decimal(str(metered)).quantize(Decimal("0.000001")) == Decimal(finished.job["spent_usd"]).quantize(
        Decimal("0.000001")
    )
    assert sample_value(finished.worker_metrics, "distillery_items_total", outcome="accepted") == 20
    # The API's view of the ledger (read from the database at scrape time) says the same.
    async with api_client(finished.settings) as client:
        api_metrics = (await client.get("/metrics")).text
    checked = promtool("check", "metrics", stdin=api_metrics)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    ledger = sample_value(api_metrics, "distillery_ledger_cost_usd")
    assert ledger is not None
    assert abs(ledger - metered) < 1e-6


async def test_analytics_and_savings_match_the_ledger(finished: FinishedJob) -> None:
    async with api_client(finished.settings) as client:
        await login(client)
        by_stage = (await client.get("/api/v1/analytics/cost", params={"group_by": "stage"})).json()
        by_dataset = (await client.get("/api/v1/analytics/cost", params={"group_by": "dataset"})).json()
        dataset = (await client.get(f"/api/v1/datasets/{finished.job['dataset_id']}")).json()
        daily = (await client.get("/api/v1/analytics/cost/daily", params={"split": "model"})).json()
        savings = (await client.get("/api/v1/analytics/savings")).json()
        quality = (await client.get("/api/v1/analytics/quality")).json()
        summary = (await client.get("/api/v1/analytics/summary")).json()
        month = (await client.get("/api/v1/analytics/cost", params={"since": summary["month_start"]})).json()
        backwards = await client.get(
            "/api/v1/analytics/cost", params={"since": "2026-02-02", "until": "2026-02-01"}
        )
    spent = Decimal(finished.job["spent_usd"])
    assert Decimal(by_stage["total_usd"]) == spent
    assert {row["key"] for row in by_stage["rows"]} >= {"seed", "bulk", "judge"}
    assert sum(Decimal(p["cost_usd"]) for p in daily) == spent
    # Tokens per day too, so a free run (local models) still has something to chart.
    assert sum(p["input_tokens"] + p["output_tokens"] for p in daily) == sum(
        row["input_tokens"] + row["output_tokens"] for row in by_stage["rows"]
    )
    # Datasets are named, not shown by id; stage and model rows carry no label.
    named = {row["key"]: row["label"] for row in by_dataset["rows"]}
    assert named[finished.job["dataset_id"]] == dataset["name"]
    assert all(row["label"] is None for row in by_stage["rows"])
    # The student (gpt-4o-mini) wrote most rows: cheaper than the teacher (gpt-4o) writing them all.
    assert Decimal(savings["actual_usd"]) == spent
    assert Decimal(savings["teacher_only_usd"]) > spent
    assert Decimal(savings["savings_usd"]) > 0
    assert quality["stages"][1]["accepted"] == 18
    # The overview's figures: this month's spend is the ledger's since the 1st (other tests may add jobs).
    assert Decimal(summary["spent_this_month_usd"]) == Decimal(month["total_usd"]) >= spent
    assert summary["datasets"] >= 1
    assert summary["examples"] >= 1
    assert summary["average_score"] == quality["average_score"]
    assert summary["budget_limit_usd"] is None or Decimal(summary["budget_limit_usd"]) >= 0
    assert backwards.status_code == 400


async def test_estimate_uses_the_history_of_finished_jobs(finished: FinishedJob) -> None:
    async with api_client(finished.settings) as client:
        await login(client)
        estimate_response = await client.post("/api/v1/jobs/estimate", json=generation(200))
        assert estimate_response.status_code == 200, estimate_response.text
        estimate = estimate_response.json()
        halved = await client.post("/api/v1/jobs/estimate", json=generation(200, judge_policy={"share": 0.5}))
        unknown_domain = await client.post("/api/v1/jobs/estimate", json=generation(5, domains=["Atlantis"]))
    assert estimate["basis"] == "history"
    stages = {s["stage"]: s for s in estimate["stages"]}
    assert set(stages) == {"seed", "policy", "bulk", "judge", "judge: cheap", "judge: escalated"}
    # The judge policy: the teacher judges its 20 seeds, the student a quarter of its 180 rows.
    assert (stages["judge"]["rows"], stages["judge: cheap"]["rows"]) == (20, 45)
    assert stages["judge: cheap"]["model"] == generation(1)["student"]
    assert halved.status_code == 200, halved.text
    assert {s["stage"]: s["rows"] for s in halved.json()["stages"]}["judge: cheap"] == 90
    total = Decimal(estimate["total_usd"])
    # Ten times the rows of the finished job: about ten times its cost.
    assert Decimal(finished.job["spent_usd"]) * 5 < total < Decimal(finished.job["spent_usd"]) * 20
    assert Decimal(estimate["teacher_only_usd"]) > total
    assert unknown_domain.status_code == 400
    assert "Atlantis" in unknown_domain.json()["detail"]


async def test_estimate_warns_over_the_budget_and_compares_with_humans(finished: FinishedJob) -> None:
    async with api_client(finished.settings) as client:
        await login(client)
        within = (await client.post("/api/v1/jobs/estimate", json=generation(200, budget_usd="1000"))).json()
        over = await client.post("/api/v1/jobs/estimate", json=generation(200, budget_usd="0.000001"))
        humans = await client.post(
            "/api/v1/jobs/estimate", json=generation(200, human_cost_per_row_usd="1.25", budget_usd=None)
        )
        # No finished job of this data type: the offline token model, still no provider asked.
        offline = await client.post("/api/v1/jobs/estimate", json=generation(100, data_type="classification"))
    assert within["warnings"] == []
    assert Decimal(within["human_cost_per_row_usd"]) == Decimal("0.50")
    assert Decimal(within["human_cost_usd"]) == Decimal(100)
    assert over.status_code == 200, over.text
    total = Decimal(over.json()["total_usd"])
    assert total > Decimal("0.000001")
    (warning,) = over.json()["warnings"]
    said = re.fullmatch(r"the estimate \$([\d.,]+) exceeds the budget \$0\.000001", warning)
    assert said is not None, warning
    assert abs(Decimal(said[1].replace(",", "")) - total) < Decimal("0.01")
    assert humans.status_code == 200, humans.text
    assert Decimal(humans.json()["human_cost_usd"]) == Decimal(250)
    levers = {lever["lever"]: Decimal(lever["saved_usd"]) for lever in within["levers"]}
    assert list(levers) == ["student split", "judge policy", "batch", "prompt caching"]
    assert levers["batch"] == levers["prompt caching"] == 0
    assert sum(levers.values()) == Decimal(within["savings_usd"]) > 0
    assert offline.status_code == 200, offline.text
    assert offline.json()["basis"] == "defaults"
    assert Decimal(offline.json()["total_usd"]) > 0


async def test_events_stream_progress_then_end(finished: FinishedJob) -> None:
    async with api_client(finished.settings) as client:
        await login(client)
        response = await client.get(f"/api/v1/jobs/{finished.job['id']}/events")
    assert response.headers["content-type"].startswith("text/event-stream")
    events = [block for block in response.text.split("\n\n") if block.strip()]
    assert events[0].startswith("event: progress")
    progress = json.loads(events[0].split("data: ", 1)[1])
    assert progress["status"] == "completed"
    assert progress["accepted"] == 20
    assert events[-1].startswith("event: end")


async def test_viewers_cannot_start_or_control_jobs(finished: FinishedJob) -> None:
    _, token = await token_of(finished.settings, Role.viewer)
    job_id = finished.job["id"]
    async with bearer_client(finished.settings, token) as viewer:
        assert (await viewer.get(f"/api/v1/jobs/{job_id}")).status_code == 200
        assert (await viewer.post("/api/v1/jobs/generate", json=generation(5))).status_code == 403
        for action in ("pause", "resume", "cancel", "retry"):
            assert (await viewer.post(f"/api/v1/jobs/{job_id}/{action}")).status_code == 403
        assert (await viewer.put("/api/v1/budget", json={"limit_usd": "1"})).status_code == 403


async def test_an_editor_cannot_control_another_users_job(finished: FinishedJob) -> None:
    _, token = await token_of(finished.settings, Role.editor)
    async with bearer_client(finished.settings, token) as editor:
        response = await editor.post(f"/api/v1/jobs/{finished.job['id']}/pause")
    assert response.status_code == 403


async def test_control_actions_refuse_the_wrong_state(finished: FinishedJob) -> None:
    async with api_client(finished.settings) as client:
        await login(client)
        job_id = finished.job["id"]
        assert (await client.post(f"/api/v1/jobs/{job_id}/pause")).status_code == 409
        assert (await client.post(f"/api/v1/jobs/{job_id}/resume")).status_code == 409
        assert (await client.post(f"/api/v1/jobs/{job_id}/retry")).status_code == 409  # nothing failed
        missing = await client.get("/api/v1/jobs/00000000-0000-0000-0000-000000000000")
        bad = await client.post("/api/v1/jobs/generate", json=generation(0))
        unknown_type = await client.post("/api/v1/jobs/generate", json=generation(5, data_type="poetry"))
    assert missing.status_code == 404
    assert bad.status_code == 422
    assert unknown_type.status_code == 400


async def test_a_started_job_can_be_paused_and_resumed(
    sqlite_settings: Settings, start_worker: Callable[..., WorkerProcess]
) -> None:
    with FakeProviderServer(lambda r: varied_answer(r).with_(latency=0.05)) as server:
        settings = job_settings(sqlite_settings, server)
        await migrate(settings)
        async with api_client(settings) as client:
            await login(client)
            job = (await client.post("/api/v1/jobs/generate", json=generation(20))).json()
            paused = await client.post(f"/api/v1/jobs/{job['id']}/pause")
            assert paused.status_code == 200, paused.text
            assert paused.json()["status"] == "paused"
            start_worker(settings, "--beat")  # a worker that finds the job paused leaves it alone
            still = await wait_for(client, job["id"], ("paused",))
            assert still["accepted"] == 0
            resumed = await client.post(f"/api/v1/jobs/{job['id']}/resume", json={"budget_usd": "5"})
            assert resumed.status_code == 200, resumed.text
            assert Decimal(resumed.json()["budget_usd"]) == 5
            done = await wait_for(client, job["id"], ("completed", "failed"))
    assert done["status"] == "completed"
    assert done["accepted"] == 20


def _harsh_judge(request: RecordedRequest) -> dict[str, Any]:
    """Scores by the request: about a third of rows removed (2), a third rewritten (5), a third kept (9)."""
    bucket = int(request.key[:8], 16) % 3
    score = (2, 5, 9)[bucket]
    return {**GOOD_SCORES, **{k: score for k in GOOD_SCORES if k != "feedback"}}


async def test_a_quality_job_keeps_fixes_and_removes_rows_as_a_new_version(finished: FinishedJob) -> None:
    finished.server.reset(lambda r: varied_answer(r, judge=_harsh_judge))
    async with api_client(finished.settings) as client:
        await login(client)
        dataset_id = finished.job["dataset_id"]
        before = (await client.get(f"/api/v1/datasets/{dataset_id}")).json()
        started = await client.post("/api/v1/jobs/quality", json={"dataset_id": dataset_id, "judge": TEACHER})
        assert started.status_code == 201, started.text
        busy = await client.post(
            f"/api/v1/datasets/{dataset_id}/examples/bulk", json={"action": "remove", "ids": []}
        )
        job = await wait_for(client, started.json()["id"], ("completed", "failed"))
        after = (await client.get(f"/api/v1/datasets/{dataset_id}")).json()
        versions = (await client.get(f"/api/v1/datasets/{dataset_id}/versions")).json()
        items = (await client.get(f"/api/v1/jobs/{job['id']}/items")).json()
        again = await client.post(f"/api/v1/jobs/{job['id']}/retry")
    assert job["status"] == "completed", job
    assert job["kind"] == "quality"
    assert busy.status_code in (409, 422)  # nobody edits rows a job is judging
    assert after["version"] == before["version"] + 1
    assert after["status"] == "ready"
    reason = versions["items"][0]["reason"] if "items" in versions else versions[0]["reason"]
    kept, fixed, removed = (int(part.split()[0]) for part in reason.split(": ", 1)[1].split(", "))
    assert kept + fixed + removed == before["example_count"]
    assert removed > 0
    assert kept > 0
    assert after["example_count"] == kept + fixed
    assert job["verdicts"] == {"keep": kept, "fix": fixed, "remove": removed}
    assert finished.job["verdicts"] is None  # a generation job has none
    assert items["total"] == 0  # verdicts are outcomes, not failures
    assert again.status_code == 409


async def test_a_bulk_re_judge_reviews_only_the_chosen_rows(finished: FinishedJob) -> None:
    finished.server.reset(varied_answer)
    async with api_client(finished.settings) as client:
        await login(client)
        dataset_id = finished.job["dataset_id"]
        rows = (await client.get(f"/api/v1/datasets/{dataset_id}/examples", params={"page_size": 3})).json()
        chosen = [row["id"] for row in rows["items"]]
        started = await client.post(
            "/api/v1/jobs/quality", json={"dataset_id": dataset_id, "judge": TEACHER, "example_ids": chosen}
        )
        assert started.status_code == 201, started.text
        job = await wait_for(client, started.json()["id"], ("completed", "failed"))
        nothing = await client.post(
            "/api/v1/jobs/quality",
            json={"dataset_id": dataset_id, "example_ids": ["00000000-0000-0000-0000-000000000000"]},
        )
    assert job["status"] == "completed"
    assert job["requested"] == 3
    assert job["stages"][0]["done"] == 3
    assert sum(job["verdicts"].values()) == 3
    assert nothing.status_code == 400


async def test_the_scenario_report_sets_the_dataset_against_the_job_s_targets(finished: FinishedJob) -> None:
    async with api_client(finished.settings) as client:
        await login(client)
        response = await client.get(f"/api/v1/jobs/{finished.job['id']}/scenarios")
        assert response.status_code == 200, response.text
        report = response.json()
        dataset = (await client.get(f"/api/v1/datasets/{finished.job['dataset_id']}")).json()
        missing = await client.get(f"/api/v1/jobs/{uuid.uuid4()}/scenarios")
    # Every generated row carries its scenario (a quality job elsewhere in this module may remove some).
    assert report["scenarios"] == dataset["example_count"] > 0
    domain = report["parameters"]["domain"]
    assert sum(domain["counts"].values()) == report["scenarios"]
    assert abs(sum(domain["target_shares"].values()) - 1) < 1e-9
    assert 0 <= report["max_total_variation"] <= 1
    assert "subdomain" in report["parameters"]
    assert missing.status_code == 404
