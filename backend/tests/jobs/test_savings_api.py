"""Savings per job, per dataset and in analytics (one computation), and model-pair advice, over the API."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from app.core.config import Settings
from app.core.db import create_engine, create_sessionmaker
from app.models import CallStatus, ItemStatus, JobItem, LlmCall
from app.models.base import utcnow
from distillation.cost import PriceTable, SavingsBreakdown, StageUsage, TokenUsage, savings_breakdown
from tests.conftest import api_client, login, migrate
from tests.jobs.jobkit import STUDENT, TEACHER, generation

LOCAL = "local:smollm2-135m"
PRICES = PriceTable.load(None)
# Per call: (stage, model, input tokens, output tokens).
TOKENS = {"seed": (600, 300), "policy": (2000, 500), "bulk": (1000, 300), "judge": (900, 120)}


async def finished_job(
    settings: Settings,
    client: httpx.AsyncClient,
    *,
    calls: bool,
    batched: tuple[str, ...] = (),
    **body: Any,
) -> dict[str, Any]:
    """A job whose row items are done, with (or, all answers cached, without) their ledger rows.

    The calls of the ``batched`` stages went in a provider batch, billed at the batch rate.
    """
    created = await client.post("/api/v1/jobs/generate", json=generation(10, **body))
    assert created.status_code == 201, created.text
    job = created.json()
    teacher, student = job["config"]["teacher"], job["config"]["student"]
    engine = create_engine(settings, pooled=False)
    try:
        async with create_sessionmaker(engine)() as session, session.begin():
            job_id = uuid.UUID(job["id"])
            await session.execute(
                update(JobItem).where(JobItem.job_id == job_id).values(status=ItemStatus.done)
            )
            items = (await session.scalars(select(JobItem).where(JobItem.job_id == job_id))).all()
            for item in items if calls else ():
                model = teacher if item.stage in ("seed", "policy") else student
                session.add(call(job, item.item_key, item.stage, model, item.stage in batched))
                if item.stage in ("seed", "bulk"):  # every row judged by the teacher
                    session.add(call(job, item.item_key, "judge", teacher, "judge" in batched))
    finally:
        await engine.dispose()
    return dict(job)


def call(job: dict[str, Any], key: str, stage: str, model: str, batched: bool = False) -> LlmCall:
    i, o = TOKENS[stage]
    provider, _, name = model.partition(":")
    return LlmCall(
        job_id=uuid.UUID(job["id"]),
        dataset_id=uuid.UUID(job["dataset_id"]),
        item_key=key,
        stage=stage,
        provider=provider,
        model=name,
        fingerprint=uuid.uuid4().hex,
        status=CallStatus.settled,
        cost_usd=PRICES.cost_of(model, TokenUsage(i, o), batch=batched),
        input_tokens=i,
        output_tokens=o,
        batch_id="batch_1" if batched else None,
        settled_at=utcnow(),
    )


def expected(teacher: str, student: str, seeds: int, bulk: int) -> SavingsBreakdown:
    def usage(stage: str, model: str, calls: int) -> StageUsage:
        i, o = TOKENS[stage]
        cost = PRICES.cost_of(model, TokenUsage(i, o))
        assert cost is not None
        return StageUsage(stage, model, TokenUsage(i * calls, o * calls), cost * calls, calls)

    usages = [
        usage("seed", teacher, seeds),
        usage("policy", teacher, 1),
        usage("bulk", student, bulk),
        usage("judge", teacher, seeds + bulk),
    ]
    return savings_breakdown(
        usages, PRICES, teacher_model_id=teacher, judge_model_id=teacher, baseline_judge_calls=seeds + bulk
    )


async def test_a_jobs_savings_are_the_same_on_its_page_its_dataset_and_in_analytics(
    any_settings: Settings,
) -> None:
    await migrate(any_settings)
    async with api_client(any_settings) as client:
        await login(client)
        job = await finished_job(any_settings, client, calls=True)
        by_job = (await client.get(f"/api/v1/jobs/{job['id']}/savings")).json()
        by_dataset = (await client.get(f"/api/v1/datasets/{job['dataset_id']}/savings")).json()
        overall = (await client.get("/api/v1/analytics/savings")).json()
        today = utcnow().date()
        this_day = (
            await client.get("/api/v1/analytics/savings", params={"since": str(today), "until": str(today)})
        ).json()
        before = (
            await client.get("/api/v1/analytics/savings", params={"until": str(today - timedelta(days=1))})
        ).json()

    want = expected(TEACHER, STUDENT, seeds=1, bulk=9)
    assert by_job["kind"] == "saved"
    assert Decimal(by_job["actual_usd"]) == want.actual
    assert Decimal(by_job["teacher_only_usd"]) == want.teacher_only
    assert want.savings is not None
    assert want.savings > 0
    assert Decimal(by_job["savings_usd"]) == want.savings
    assert Decimal(by_job["savings_percent"]) == want.savings_percent
    assert [lever["lever"] for lever in by_job["levers"]] == [
        "student split",
        "judge policy",
        "batch",
        "prompt caching",
    ]
    assert sum(Decimal(lever["saved_usd"]) for lever in by_job["levers"]) == want.savings
    assert by_job["headline"].startswith(
        f"Saved ${want.savings:.6f}".rstrip("0") + f" ({want.savings_percent}%)"
    )
    assert (by_job["jobs"], by_job["calls"], by_job["cached_rows"]) == (1, 21, 0)
    assert by_dataset == by_job
    assert overall == by_job  # the only job of this fresh database
    assert this_day == by_job
    assert (before["kind"], before["jobs"]) == ("nothing", 0)


async def test_a_fully_cached_job_says_nothing_was_paid(any_settings: Settings) -> None:
    await migrate(any_settings)
    async with api_client(any_settings) as client:
        await login(client)
        job = await finished_job(any_settings, client, calls=False)
        said = (await client.get(f"/api/v1/jobs/{job['id']}/savings")).json()

    assert said["kind"] == "cached"
    assert said["headline"] == (
        "Nothing was paid: the answers of all 10 rows came from the answer cache (paid for before)."
    )
    assert (said["calls"], said["cached_rows"], said["savings_percent"]) == (0, 10, None)
    assert Decimal(said["actual_usd"]) == 0
    assert all(lever["percent"] is None for lever in said["levers"])


async def test_calls_a_provider_batch_carried_give_the_batch_lever_its_share(
    any_settings: Settings,
) -> None:
    await migrate(any_settings)
    async with api_client(any_settings) as client:
        await login(client)
        online = await finished_job(any_settings, client, calls=True)
        batched = await finished_job(any_settings, client, calls=True, batched=("bulk", "judge"))
        said_online = (await client.get(f"/api/v1/jobs/{online['id']}/savings")).json()
        said = (await client.get(f"/api/v1/jobs/{batched['id']}/savings")).json()

    def lever(read: dict[str, Any], name: str) -> Decimal:
        return next(Decimal(item["saved_usd"]) for item in read["levers"] if item["lever"] == name)

    def costs(stage: str, model: str, calls: int) -> tuple[Decimal, Decimal]:
        usage = TokenUsage(*TOKENS[stage])
        online, batch = PRICES.cost_of(model, usage), PRICES.cost_of(model, usage, batch=True)
        assert online is not None
        assert batch is not None
        return online * calls, batch * calls

    bulk, judge = costs("bulk", STUDENT, 9), costs("judge", TEACHER, 10)
    assert lever(said_online, "batch") == 0
    # The batch API halves the rates: the lever is what the same calls cost online, less their bill.
    assert lever(said, "batch") == (bulk[0] - bulk[1]) + (judge[0] - judge[1]) > 0
    assert Decimal(said["actual_usd"]) == Decimal(said_online["actual_usd"]) - lever(said, "batch")
    assert said["teacher_only_usd"] == said_online["teacher_only_usd"]  # the counterfactual is online
    for name in ("student split", "judge policy"):
        assert lever(said, name) == lever(said_online, name)
    assert sum(Decimal(item["saved_usd"]) for item in said["levers"]) == Decimal(said["savings_usd"])
    assert said["calls"] == said_online["calls"] == 21


async def test_a_free_run_on_local_models_is_not_a_saving(any_settings: Settings) -> None:
    await migrate(any_settings)
    async with api_client(any_settings) as client:
        await login(client)
        job = await finished_job(any_settings, client, calls=True, teacher=LOCAL, student=LOCAL)
        said = (await client.get(f"/api/v1/jobs/{job['id']}/savings")).json()
        dataset = (await client.get(f"/api/v1/datasets/{job['dataset_id']}/savings")).json()

    assert said["kind"] == "free"
    assert said["savings_percent"] is None
    assert "%" not in said["headline"]
    assert Decimal(said["teacher_only_usd"]) == Decimal(said["actual_usd"]) == 0
    assert dataset["kind"] == "free"


async def test_savings_of_what_does_not_exist_is_a_404(any_settings: Settings) -> None:
    await migrate(any_settings)
    async with api_client(any_settings) as client:
        await login(client)
        job = await client.get(f"/api/v1/jobs/{uuid.uuid4()}/savings")
        dataset = await client.get(f"/api/v1/datasets/{uuid.uuid4()}/savings")
        empty = (await client.get("/api/v1/analytics/savings")).json()
    assert (job.status_code, dataset.status_code) == (404, 404)
    assert (empty["kind"], empty["jobs"]) == ("nothing", 0)


@pytest.mark.parametrize("settings_name", ["sqlite_settings"])
async def test_advice_lists_cheaper_priced_models_with_their_savings(
    settings_name: str, request: pytest.FixtureRequest
) -> None:
    settings: Settings = request.getfixturevalue(settings_name)
    await migrate(settings)
    async with api_client(settings) as client:
        anonymous = await client.get("/api/v1/jobs/advice", params={"teacher": TEACHER})
        await login(client)
        found = await client.get(
            "/api/v1/jobs/advice", params={"teacher": TEACHER, "data_type": "qa", "count": 200, "limit": 3}
        )
        unpriced = await client.get("/api/v1/jobs/advice", params={"teacher": "openai-compatible:mine"})
        bad_type = await client.get("/api/v1/jobs/advice", params={"teacher": TEACHER, "data_type": "poetry"})
        bad_count = await client.get("/api/v1/jobs/advice", params={"teacher": TEACHER, "count": 0})
        first = found.json()["students"][0]["model"]
        body = generation(200, student=first)
        estimated = (await client.post("/api/v1/jobs/estimate", json=body)).json()

    assert anonymous.status_code == 401
    assert found.status_code == 200, found.text
    advice = found.json()
    assert advice["teacher_context_window"] == 128_000
    assert len(advice["students"]) == 3
    assert len(advice["judges"]) == 3
    for suggestion in advice["students"]:
        assert suggestion["model"].startswith("openai:")
        assert Decimal(suggestion["price_ratio"]) < 1
        assert Decimal(suggestion["savings_usd"]) == Decimal(suggestion["teacher_only_usd"]) - Decimal(
            suggestion["estimated_cost_usd"]
        )
    savings = [Decimal(s["savings_usd"]) for s in advice["students"]]
    assert savings == sorted(savings, reverse=True)
    # The figures the wizard's estimate shows once the suggestion is taken (default settings).
    taken = advice["students"][0]
    assert (taken["estimated_cost_usd"], taken["teacher_only_usd"], taken["savings_usd"]) == (
        estimated["total_usd"],
        estimated["teacher_only_usd"],
        estimated["savings_usd"],
    )
    assert unpriced.status_code == 400
    assert "no price for the teacher" in unpriced.json()["detail"]
    assert bad_type.status_code == 400
    assert bad_count.status_code == 422
