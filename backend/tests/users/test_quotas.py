"""Quotas per role: background tasks a minute and unfinished jobs answer 429 with ``Retry-After``, a job
larger than the role's maximum answers 422 naming it, admins without limits are never held, and every
limit comes from the settings."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest

from app.core.config import Settings
from app.models import Role
from tests.conftest import api_client, login, migrate
from tests.datasets.factories import PASSWORD, add_user, seed_dataset

DIAGNOSTICS = "/api/v1/system/diagnostics"
GENERATE = "/api/v1/jobs/generate"


@asynccontextmanager
async def as_new(settings: Settings, role: Role) -> AsyncIterator[tuple[httpx.AsyncClient, str]]:
    """The API logged in as a new user of ``role``, and that user's e-mail."""
    email = await add_user(settings, role)
    async with api_client(settings) as client:
        await login(client, email, PASSWORD)
        yield client, email


def job(count: int) -> dict[str, object]:
    """A small generation request (no worker runs here: the job stays running)."""
    return {"name": f"quota {count}", "data_type": "qa", "count": count}


def assert_retry_later(response: httpx.Response, most: int) -> None:
    assert response.status_code == 429, response.text
    assert response.json()["error"] == "too_many_requests"
    assert 1 <= int(response.headers["Retry-After"]) <= most


async def test_the_eleventh_diagnostic_in_a_minute_is_429_with_retry_after(any_settings: Settings) -> None:
    await migrate(any_settings)
    async with as_new(any_settings, Role.editor) as (client, _):
        answers = [await client.post(DIAGNOSTICS) for _ in range(11)]
        quotas = (await client.get("/api/v1/users/me/quotas")).json()
    assert [r.status_code for r in answers[:10]] == [202] * 10
    assert_retry_later(answers[10], 60)
    assert "10 background tasks a minute" in answers[10].json()["detail"]
    assert quotas["tasks_per_minute"] == 10


async def test_duplicate_searches_count_against_the_same_task_quota(any_settings: Settings) -> None:
    await migrate(any_settings)
    async with as_new(any_settings, Role.editor) as (client, email):
        dataset_id = await seed_dataset(any_settings, 3, owner=email)
        searches = [await client.post(f"/api/v1/datasets/{dataset_id}/duplicates") for _ in range(10)]
        refused = await client.post(f"/api/v1/datasets/{dataset_id}/duplicates")
        diagnostic = await client.post(DIAGNOSTICS)
    assert [r.status_code for r in searches] == [202] * 10
    assert_retry_later(refused, 60)
    assert_retry_later(diagnostic, 60)


async def test_a_refused_or_failed_request_uses_no_task(sqlite_settings: Settings) -> None:
    settings = sqlite_settings.model_copy(update={"quota_editor_tasks_per_minute": 1})
    await migrate(settings)
    async with as_new(settings, Role.editor) as (client, _):
        missing = await client.post("/api/v1/datasets/00000000-0000-0000-0000-000000000000/duplicates")
        first = await client.post(DIAGNOSTICS)
        second = await client.post(DIAGNOSTICS)
    assert missing.status_code == 404
    assert first.status_code == 202
    assert_retry_later(second, 60)


async def test_fine_tune_runs_count_against_the_task_quota(sqlite_settings: Settings) -> None:
    settings = sqlite_settings.model_copy(update={"quota_editor_tasks_per_minute": 1})
    await migrate(settings)
    async with as_new(settings, Role.editor) as (client, email):
        dataset_id = str(await seed_dataset(settings, 3, owner=email))
        run = await client.post("/api/v1/finetune", json={"dataset_id": dataset_id, "max_steps": 1})
        second = await client.post("/api/v1/finetune", json={"dataset_id": dataset_id, "max_steps": 1})
    assert run.status_code == 201, run.text
    assert_retry_later(second, 60)


async def test_the_sixth_unfinished_job_is_429_until_one_ends(any_settings: Settings) -> None:
    await migrate(any_settings)
    async with as_new(any_settings, Role.editor) as (client, _):
        started = [await client.post(GENERATE, json=job(2)) for _ in range(5)]
        refused = await client.post(GENERATE, json=job(2))
        cancelled = await client.post(f"/api/v1/jobs/{started[0].json()['id']}/cancel")
        after_cancel = await client.post(GENERATE, json=job(2))
        # Running a cancelled job again is one more unfinished job too.
        resumed = await client.post(f"/api/v1/jobs/{started[0].json()['id']}/resume")
    assert [r.status_code for r in started] == [201] * 5, started[-1].text
    assert_retry_later(refused, 60)
    assert "at most 5" in refused.json()["detail"]
    assert cancelled.status_code == 200, cancelled.text
    assert after_cancel.status_code == 201, after_cancel.text
    assert_retry_later(resumed, 60)


async def test_a_job_over_the_row_maximum_is_refused_naming_the_limit(any_settings: Settings) -> None:
    await migrate(any_settings)
    async with as_new(any_settings, Role.editor) as (client, _):
        too_large = await client.post(GENERATE, json=job(100_001))
        jobs = (await client.get("/api/v1/jobs")).json()
    assert too_large.status_code == 422, too_large.text
    assert too_large.json()["error"] == "quota_exceeded"
    assert "at most 100,000 rows" in too_large.json()["detail"]
    assert jobs["total"] == 0


async def test_a_quality_job_over_the_row_maximum_is_refused(sqlite_settings: Settings) -> None:
    settings = sqlite_settings.model_copy(update={"quota_editor_max_job_rows": 2})
    await migrate(settings)
    async with as_new(settings, Role.editor) as (client, email):
        dataset_id = str(await seed_dataset(settings, 3, owner=email))
        whole = await client.post("/api/v1/jobs/quality", json={"dataset_id": dataset_id})
        examples = (await client.get(f"/api/v1/datasets/{dataset_id}/examples")).json()["items"]
        two = [e["id"] for e in examples[:2]]
        part = await client.post("/api/v1/jobs/quality", json={"dataset_id": dataset_id, "example_ids": two})
    assert whole.status_code == 422, whole.text
    assert "3 rows" in whole.json()["detail"]
    assert part.status_code == 201, part.text


async def test_limits_come_from_the_settings(sqlite_settings: Settings) -> None:
    settings = sqlite_settings.model_copy(
        update={
            "quota_editor_max_job_rows": 5,
            "quota_editor_max_active_jobs": 1,
            "quota_editor_tasks_per_minute": 2,
        }
    )
    await migrate(settings)
    async with as_new(settings, Role.editor) as (client, _):
        quotas = (await client.get("/api/v1/users/me/quotas")).json()
        six = await client.post(GENERATE, json=job(6))
        five = await client.post(GENERATE, json=job(5))
        second = await client.post(GENERATE, json=job(1))
        tasks = [await client.post(DIAGNOSTICS) for _ in range(3)]
    assert quotas == {"role": "editor", "max_job_rows": 5, "max_active_jobs": 1, "tasks_per_minute": 2}
    assert six.status_code == 422
    assert five.status_code == 201, five.text
    assert_retry_later(second, 60)
    assert [r.status_code for r in tasks[:2]] == [202, 202]
    assert_retry_later(tasks[2], 60)


async def test_admins_without_limits_are_never_held(any_settings: Settings) -> None:
    settings = any_settings.model_copy(
        update={"quota_editor_max_job_rows": 5, "quota_editor_max_active_jobs": 1}
    )
    await migrate(settings)
    async with as_new(settings, Role.admin) as (client, _):
        quotas = (await client.get("/api/v1/users/me/quotas")).json()
        tasks = [await client.post(DIAGNOSTICS) for _ in range(12)]
        jobs = [await client.post(GENERATE, json=job(6)) for _ in range(7)]
    unlimited = {"max_job_rows": None, "max_active_jobs": None, "tasks_per_minute": None}
    assert quotas == {"role": "admin", **unlimited}
    assert {r.status_code for r in tasks} == {202}
    assert {r.status_code for r in jobs} == {201}


@pytest.mark.parametrize("unlimited", ["", "none", "unlimited"])
def test_an_empty_quota_setting_means_no_limit(unlimited: str) -> None:
    settings = Settings(_env_file=None, quota_editor_tasks_per_minute=unlimited)
    assert settings.quota_editor_tasks_per_minute is None
    assert Settings(_env_file=None).quota_editor_max_active_jobs == 5
