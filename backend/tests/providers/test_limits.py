"""Provider rate limits: set per provider and model, .env defaults, learned ones shown, jobs get them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from app.core.config import Settings
from app.core.db import create_engine, create_sessionmaker
from app.jobs.engines import build_job_engine
from app.jobs.flow import _width
from app.models import Job, Role
from app.providers import limits
from app.providers.limits import SetLimits, effective, learned_limits
from app.providers.schemas import LearnedLimits, LimitValues
from distillation.pipeline import GenerationConfig
from distillation.providers import RateLimit
from distillation.testing import Behavior, FakeProviderServer, RecordedRequest
from distillation.testing.answers import varied_answer
from tests.conftest import WorkerProcess, api_client, login, make_settings, migrate
from tests.datasets.factories import client_as
from tests.jobs.jobkit import STUDENT, TEACHER, generation, job_settings, wait_for

API = "/api/v1/providers"
LIMITS = {
    "default": {"rpm": 500, "tpm": 200_000, "max_concurrency": None},
    "models": [
        {"model": "gpt-4o", "rpm": 60, "tpm": None, "max_concurrency": 4},
        {"model": "gpt-4o-mini", "rpm": None, "tpm": None, "max_concurrency": 32},
    ],
}


def by_model(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {row["model"]: row for row in body["effective"]}


def pairs(row: dict[str, Any]) -> dict[str, tuple[int | None, str]]:
    return {name: (row[name]["value"], row[name]["source"]) for name in ("rpm", "tpm", "max_concurrency")}


async def test_limits_set_come_back_after_reading_and_in_the_listing(any_settings: Settings) -> None:
    await migrate(any_settings)
    async with client_as(any_settings) as admin:
        empty = await admin.get(f"{API}/openai/limits")
        assert empty.status_code == 200, empty.text
        assert empty.json()["models"] == []
        assert pairs(by_model(empty.json())["*"]) == {
            "rpm": (None, "none"),
            "tpm": (None, "none"),
            "max_concurrency": (None, "none"),
        }
        saved = await admin.put(f"{API}/openai/limits", json=LIMITS)
        assert saved.status_code == 200, saved.text
        read = await admin.get(f"{API}/openai/limits")
        listed = {p["name"]: p for p in (await admin.get(API)).json()}
    assert read.json() == saved.json()
    assert listed["openai"]["limits"] == read.json()
    assert listed["local"]["limits"] is None
    assert listed["anthropic"]["limits"]["models"] == []
    body = read.json()
    assert body["default"] == LIMITS["default"]
    assert body["models"] == LIMITS["models"]
    assert body["updated_at"] is not None
    effective_limits = by_model(body)
    assert pairs(effective_limits["gpt-4o"]) == {
        "rpm": (60, "set"),  # the model's own
        "tpm": (200_000, "set"),  # the provider's default
        "max_concurrency": (4, "set"),
    }
    assert pairs(effective_limits["gpt-4o-mini"]) == {
        "rpm": (500, "set"),
        "tpm": (200_000, "set"),
        "max_concurrency": (32, "set"),
    }


async def test_saving_replaces_every_limit_of_the_provider(sqlite_settings: Settings) -> None:
    await migrate(sqlite_settings)
    async with client_as(sqlite_settings) as admin:
        await admin.put(f"{API}/openai/limits", json=LIMITS)
        await admin.put(f"{API}/groq/limits", json={"default": {"rpm": 30}})
        replaced = await admin.put(
            f"{API}/openai/limits", json={"models": [{"model": "gpt-4o", "tpm": 1000}]}
        )
        assert replaced.status_code == 200, replaced.text
        cleared = await admin.put(f"{API}/openai/limits", json={})
        groq = await admin.get(f"{API}/groq/limits")
    assert replaced.json()["default"] == {"rpm": None, "tpm": None, "max_concurrency": None}
    only = {"model": "gpt-4o", "rpm": None, "tpm": 1000, "max_concurrency": None}
    assert replaced.json()["models"] == [only]
    assert cleared.json()["models"] == []
    assert cleared.json()["updated_at"] is None
    assert groq.json()["default"]["rpm"] == 30  # other providers keep theirs


@pytest.mark.parametrize(
    "body",
    [
        {"default": {"rpm": 0}},
        {"default": {"tpm": -5}},
        {"default": {"max_concurrency": 100_000}},
        {"default": {"rpm": "many"}},
        {"models": [{"model": "*", "rpm": 5}]},
        {"models": [{"model": "gpt 4o", "rpm": 5}]},
        {"models": [{"model": "gpt\u00004o", "rpm": 5}]},
        {"models": [{"rpm": 5}]},
        {"models": [{"model": "gpt-4o", "rpm": 5}, {"model": "gpt-4o", "tpm": 5}]},
    ],
)
async def test_invalid_limits_are_refused_with_422(sqlite_settings: Settings, body: dict[str, Any]) -> None:
    await migrate(sqlite_settings)
    async with client_as(sqlite_settings) as admin:
        refused = await admin.put(f"{API}/openai/limits", json=body)
        after = await admin.get(f"{API}/openai/limits")
    assert refused.status_code == 422, refused.text
    assert after.json()["models"] == []
    assert after.json()["default"]["rpm"] is None


async def test_the_local_model_and_unknown_providers_have_no_limits(sqlite_settings: Settings) -> None:
    await migrate(sqlite_settings)
    async with client_as(sqlite_settings) as admin:
        answers = [
            await admin.get(f"{API}/local/limits"),
            await admin.put(f"{API}/local/limits", json={"default": {"rpm": 5}}),
            await admin.put(f"{API}/nosuchserver/limits", json={"default": {"rpm": 5}}),
        ]
    assert [a.status_code for a in answers] == [404, 404, 404]


async def test_editors_and_viewers_read_limits_but_cannot_set_them(any_settings: Settings) -> None:
    await migrate(any_settings)
    async with client_as(any_settings) as admin:
        assert (await admin.put(f"{API}/openai/limits", json=LIMITS)).status_code == 200
    for role in (Role.editor, Role.viewer):
        async with client_as(any_settings, role) as client:
            write = await client.put(f"{API}/openai/limits", json={"default": {"rpm": 1}})
            assert write.status_code == 403, role
            read = await client.get(f"{API}/openai/limits")
            assert read.status_code == 200
            assert read.json()["default"]["rpm"] == 500


async def test_env_defaults_apply_where_nothing_is_set(sqlite_settings: Settings) -> None:
    settings = sqlite_settings.model_copy(
        update={"provider_default_rpm": 120, "provider_default_max_concurrency": 24}
    )
    await migrate(settings)
    async with client_as(settings) as admin:
        await admin.put(f"{API}/openai/limits", json={"models": [{"model": "gpt-4o", "rpm": 60}]})
        read = await admin.get(f"{API}/openai/limits", params={"model": ["o3"]})
    effective_limits = by_model(read.json())
    assert pairs(effective_limits["gpt-4o"]) == {
        "rpm": (60, "set"),
        "tpm": (None, "none"),
        "max_concurrency": (24, "env"),
    }
    assert pairs(effective_limits["o3"])["rpm"] == (120, "env")  # asked for, nothing set
    assert pairs(effective_limits["*"])["rpm"] == (120, "env")


def test_each_field_resolves_set_then_env_then_learned() -> None:
    learned = LearnedLimits(rpm=10_000, tpm=2_000_000)
    nothing = SetLimits(LimitValues(), {})
    assert effective("m", nothing, LimitValues(), None).rpm.source == "none"
    only_learned = effective("m", nothing, LimitValues(), learned)
    assert (only_learned.rpm.value, only_learned.rpm.source) == (10_000, "learned")
    assert (only_learned.max_concurrency.value, only_learned.max_concurrency.source) == (None, "none")
    env = effective("m", nothing, LimitValues(rpm=300), learned)
    assert (env.rpm.value, env.rpm.source) == (300, "env")
    assert (env.tpm.value, env.tpm.source) == (2_000_000, "learned")
    provider_set = SetLimits(LimitValues(rpm=200), {})
    assert effective("m", provider_set, LimitValues(rpm=300), learned).rpm.value == 200
    model_set = SetLimits(LimitValues(rpm=200), {"m": LimitValues(rpm=50)})
    assert effective("m", model_set, LimitValues(rpm=300), learned).rpm.value == 50
    assert effective("other", model_set, LimitValues(rpm=300), learned).rpm.value == 200


class LearningLimiter:
    """A limiter that learned limits for one key (what the library's limiters report)."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    async def learned(self, key: str) -> dict[str, int] | None:
        self.asked.append(key)
        return {"rpm": 5000, "tpm": 800_000, "updated_at": 1_800_000_000} if key == "openai:gpt-4o" else None


class TextTimeLimiter:
    async def learned(self, key: str) -> dict[str, object] | None:
        return {"rpm": 100, "tpm": 0, "updated_at": "2027-01-15T10:00:00+00:00"}


class FailingLimiter:
    async def learned(self, key: str) -> dict[str, int] | None:
        raise ConnectionError("redis is down")


async def test_learned_limits_are_read_when_the_limiter_learns_them() -> None:
    limiter = LearningLimiter()
    found = await learned_limits(limiter, "openai:gpt-4o")
    assert found is not None
    assert (found.rpm, found.tpm) == (5000, 800_000)
    assert found.updated_at is not None
    assert found.updated_at.year == 2027
    assert await learned_limits(limiter, "openai:o3") is None
    assert await learned_limits(object(), "openai:gpt-4o") is None  # a limiter that learns nothing
    assert await learned_limits(FailingLimiter(), "openai:gpt-4o") is None
    as_text = await learned_limits(TextTimeLimiter(), "openai:gpt-4o")
    assert as_text is not None
    assert (as_text.rpm, as_text.tpm) == (100, None)  # 0 is no limit learned
    assert as_text.updated_at is not None
    assert as_text.updated_at.month == 1


async def test_learned_limits_are_shown_below_set_ones(
    sqlite_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    limiter = LearningLimiter()
    monkeypatch.setattr(limits, "DEFAULT_LIMITER", limiter)
    await migrate(sqlite_settings)
    async with client_as(sqlite_settings) as admin:
        await admin.put(f"{API}/openai/limits", json={"models": [{"model": "gpt-4o", "tpm": 1000}]})
        read = await admin.get(f"{API}/openai/limits")
    row = by_model(read.json())["gpt-4o"]
    assert pairs(row) == {"rpm": (5000, "learned"), "tpm": (1000, "set"), "max_concurrency": (None, "none")}
    assert row["learned"]["rpm"] == 5000
    assert row["learned"]["tpm"] == 800_000
    assert "openai:gpt-4o" in limiter.asked


async def test_a_jobs_engine_gets_the_limits_set_for_its_models(any_settings: Settings) -> None:
    with FakeProviderServer() as server:
        settings = job_settings(any_settings, server, provider_default_tpm=90_000)
        await migrate(settings)
        async with client_as(settings) as admin:
            saved = await admin.put(f"{API}/openai/limits", json=LIMITS)
            assert saved.status_code == 200, saved.text
            started = await admin.post("/api/v1/jobs/generate", json=generation(4, judge_model=STUDENT))
            assert started.status_code == 201, started.text
        engine = create_engine(settings, pooled=False)
        maker = create_sessionmaker(engine)
        async with maker() as session:
            job = (await session.scalars(select(Job))).one()
        built = await build_job_engine(maker, settings, job)
        try:
            teacher, student = built.engine.teacher, built.engine.student
            assert built.rate_limits[TEACHER] == RateLimit(
                requests_per_minute=60, tokens_per_minute=200_000, max_concurrency=4
            )
            assert built.rate_limits[STUDENT] == RateLimit(
                requests_per_minute=500, tokens_per_minute=200_000, max_concurrency=32
            )
            assert teacher.rate_limit == built.rate_limits[TEACHER]  # what the clients really use
            assert student.rate_limit == built.rate_limits[STUDENT]
            assert built.max_concurrency == {TEACHER: 4, STUDENT: 32}
        finally:
            await built.engine.teacher.aclose()
            await built.engine.student.aclose()
            await engine.dispose()


async def test_env_defaults_reach_a_model_without_set_limits(sqlite_settings: Settings) -> None:
    settings = sqlite_settings.model_copy(update={"provider_default_rpm": 90})
    await migrate(settings)
    engine = create_engine(settings, pooled=False)
    async with create_sessionmaker(engine)() as session:
        found = await limits.job_limits(session, settings, ["groq:llama-3.1-8b-instant", "local:tiny"])
    await engine.dispose()
    assert list(found) == ["groq:llama-3.1-8b-instant"]  # in-process models answer one at a time anyway
    assert limits.rate_limit_of(found["groq:llama-3.1-8b-instant"]) == RateLimit(requests_per_minute=90)
    assert limits.set_concurrency(found["groq:llama-3.1-8b-instant"]) is None


def test_a_set_max_concurrency_is_the_number_of_items_worked_at_once() -> None:
    config = GenerationConfig(data_type="qa", count=10, teacher=TEACHER, student=STUDENT, concurrency=8)
    assert _width(STUDENT, config, 8) == 8
    assert _width(STUDENT, config, 4) == 4
    assert _width(STUDENT, config, 8, 48) == 48  # set for the provider: not capped at 8
    assert _width("local:tiny", config, 8, 48) == 1
    assert _width(None, config, 8, 48) == 1


def peak_in_flight(requests: list[RecordedRequest]) -> int:
    """The most requests the server held at once (from arrival to answer)."""
    events = sorted(
        [(r.received_at, 1) for r in requests] + [(r.answered_at or r.received_at, -1) for r in requests],
        key=lambda event: (event[0], event[1]),  # an answer before an arrival at the same instant
    )
    peak = held = 0
    for _, step in events:
        held += step
        peak = max(peak, held)
    return peak


def slow_varied_answer(request: RecordedRequest) -> Behavior:
    return varied_answer(request).with_(latency=0.05)


async def test_a_job_in_a_worker_keeps_to_the_max_concurrency_set(
    sqlite_settings: Settings, start_worker: Callable[..., WorkerProcess]
) -> None:
    # JOB_ITEM_CONCURRENCY and the job's own concurrency are 8: only the set limit keeps it to 2.
    with FakeProviderServer(slow_varied_answer) as server:
        settings = job_settings(sqlite_settings, server, job_item_concurrency=8)
        await migrate(settings)
        start_worker(settings, "--beat")
        async with api_client(settings) as client:
            await login(client)
            saved = await client.put(f"{API}/openai/limits", json={"default": {"max_concurrency": 2}})
            assert saved.status_code == 200, saved.text
            started = await client.post("/api/v1/jobs/generate", json=generation(24, concurrency=8))
            assert started.status_code == 201, started.text
            job = await wait_for(client, started.json()["id"], ("completed", "failed"))
        requests = server.requests
    assert job["status"] == "completed", job
    assert job["accepted"] == 24
    by_model: dict[str, list[RecordedRequest]] = {}
    for request in requests:
        by_model.setdefault(request.model, []).append(request)
    assert set(by_model) >= {"gpt-4o", "gpt-4o-mini"}
    peaks = {model: peak_in_flight(found) for model, found in by_model.items()}
    assert max(peaks.values()) <= 2, peaks


def test_env_defaults_are_optional_and_bounded(tmp_path: Path) -> None:
    empty = make_settings(tmp_path, provider_default_rpm="", provider_default_tpm="none")
    assert (empty.provider_default_rpm, empty.provider_default_tpm) == (None, None)
    given = make_settings(tmp_path, provider_default_rpm="600", provider_default_max_concurrency="64")
    assert (given.provider_default_rpm, given.provider_default_max_concurrency) == (600, 64)
    for wrong in ({"provider_default_rpm": "0"}, {"provider_default_max_concurrency": "5000"}):
        with pytest.raises(ValidationError):
            make_settings(tmp_path, **wrong)
