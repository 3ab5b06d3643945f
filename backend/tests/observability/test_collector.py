"""The gauges /metrics reads at scrape time: jobs, stalls, budgets, ledger, queues; and their outages."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
import redis

from app.core.config import Settings
from app.models import CallStatus, JobKind, JobStatus
from app.models.base import utcnow
from app.observability.collector import SOURCE_TIMEOUT_S
from app.worker.app import create_celery
from tests.conftest import api_client, migrate
from tests.datasets.factories import seed_dataset
from tests.observability import rows
from tests.observability.promql import sample_value
from tests.services import free_port


async def scrape(settings: Settings) -> str:
    """The API's /metrics text."""
    async with api_client(settings) as client:
        response = await client.get("/metrics")
    assert response.status_code == 200
    return response.text


async def test_jobs_budgets_and_the_ledger_are_read_from_the_database(any_settings: Settings) -> None:
    await migrate(any_settings)
    busy, idle = await seed_dataset(any_settings), await seed_dataset(any_settings)
    await rows.add_rows(
        any_settings,
        rows.job(busy, budget="10", spent="8", reserved="0.5", unknown="0.6"),
        rows.job(busy, JobStatus.paused, budget="5", spent="1"),
        rows.job(busy, JobStatus.completed, budget="100", spent="100"),  # over: its budget is no longer live
        rows.job(idle, kind=JobKind.quality),  # no budget
        rows.global_budget("50", spent="20", reserved="1"),
        rows.call(cost="0.25"),
        rows.call(cost="0.5"),
        rows.call(cost=None, status=CallStatus.unknown),
        rows.call(cost=None, status=CallStatus.reserved),  # in flight: neither spent nor unknown yet
        rows.call(model="/srv/models/student.gguf", stage="judge", cost="1"),
    )

    text = await scrape(any_settings)

    assert sample_value(text, "distillery_jobs", kind="generate", status="running") == 1
    assert sample_value(text, "distillery_jobs", kind="generate", status="paused") == 1
    assert sample_value(text, "distillery_jobs", kind="generate", status="completed") == 1
    assert sample_value(text, "distillery_jobs", kind="quality", status="running") == 1
    assert sample_value(text, "distillery_jobs", kind="quality", status="failed") == 0
    dataset = {"scope": "dataset", "dataset": str(busy)}
    assert sample_value(text, "distillery_budget_limit_usd", **dataset) == 15
    assert sample_value(text, "distillery_budget_spent_usd", **dataset) == 9
    assert sample_value(text, "distillery_budget_used_usd", **dataset) == pytest.approx(10.1)
    assert sample_value(text, "distillery_budget_limit_usd", dataset=str(idle)) is None
    assert sample_value(text, "distillery_budget_limit_usd", scope="global") == 50
    assert sample_value(text, "distillery_budget_used_usd", scope="global") == 21
    bulk = {"provider": "openai", "model": "gpt-4o-mini", "stage": "bulk"}
    assert sample_value(text, "distillery_ledger_cost_usd", **bulk) == 0.75
    assert sample_value(text, "distillery_ledger_unknown_cost_requests", **bulk) == 1
    # A model given as a file path is not a label value.
    assert sample_value(text, "distillery_ledger_cost_usd", model="other", stage="judge") == 1


async def test_running_jobs_that_finished_no_item_for_ten_minutes_are_stalled(any_settings: Settings) -> None:
    await migrate(any_settings)
    dataset = await seed_dataset(any_settings)
    now = utcnow()
    await rows.add_rows(
        any_settings,
        rows.job(dataset, started_at=now - timedelta(hours=1), progressed_at=now - timedelta(minutes=11)),
        rows.job(dataset, started_at=now - timedelta(minutes=12)),  # never finished an item
        rows.job(dataset, started_at=now - timedelta(hours=1), progressed_at=now - timedelta(minutes=2)),
        rows.job(dataset, started_at=now - timedelta(minutes=3)),
        rows.job(dataset, JobStatus.paused, started_at=now - timedelta(hours=2)),
    )
    assert sample_value(await scrape(any_settings), "distillery_jobs_stalled") == 2


@pytest.fixture
def private_broker(any_settings: Settings) -> Iterator[Settings]:
    """``any_settings`` on a Redis database of its own: no other test's worker may take the messages."""
    if any_settings.redis_url is None:
        yield any_settings
        return
    url = any_settings.redis_url.rsplit("/", 1)[0] + "/12"
    client = redis.Redis.from_url(url)
    client.flushdb()
    yield any_settings.model_copy(update={"redis_url": url})
    client.flushdb()
    client.close()


async def test_queue_depth_counts_the_messages_waiting_in_each_queue(private_broker: Settings) -> None:
    await migrate(private_broker)
    celery = create_celery(private_broker)
    for queue in ("llm", "llm", "llm", "default"):
        celery.send_task("system.reconcile", queue=queue)
    text = await scrape(private_broker)
    assert sample_value(text, "distillery_queue_messages", queue="llm") == 3
    assert sample_value(text, "distillery_queue_messages", queue="default") == 1
    assert sample_value(text, "distillery_queue_messages", queue="gpu") == 0


async def test_a_database_that_cannot_be_reached_leaves_its_gauges_out(sqlite_settings: Settings) -> None:
    unreachable = f"postgresql://postgres@127.0.0.1:{free_port()}/distillery"
    settings = sqlite_settings.model_copy(update={"database_url": unreachable})
    settings.data_dir.mkdir(parents=True)  # where the embedded broker keeps its file
    text = await scrape(settings)
    assert sample_value(text, "distillery_metrics_source_up", source="database") == 0
    assert sample_value(text, "distillery_metrics_source_up", source="broker") == 1
    assert sample_value(text, "distillery_jobs") is None
    assert sample_value(text, "distillery_queue_messages", queue="default") == 0


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A TCP port that accepts connections and never answers (a hung broker)."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(16)
        yield server.getsockname()[1]


async def test_a_broker_that_never_answers_is_cut_off_and_the_scrape_goes_on(
    sqlite_settings: Settings, silent_server: int
) -> None:
    await migrate(sqlite_settings)
    settings = sqlite_settings.model_copy(update={"redis_url": f"redis://127.0.0.1:{silent_server}/0"})
    start = time.monotonic()
    text = await scrape(settings)
    assert time.monotonic() - start < SOURCE_TIMEOUT_S + 3
    assert sample_value(text, "distillery_metrics_source_up", source="broker") == 0
    assert sample_value(text, "distillery_queue_messages", queue="default") is None
    assert sample_value(text, "distillery_metrics_source_up", source="database") == 1
    assert sample_value(text, "distillery_jobs", kind="generate", status="running") == 0
