"""/metrics of the API and of a real worker after real tasks: valid for promtool, complete, bounded."""

from __future__ import annotations

import pytest

from app.main import create_app
from app.worker.app import celery_app
from tests.conftest import ADMIN_PASSWORD, TEST_SECRET_KEY
from tests.observability.bounds import unbounded_labels
from tests.observability.conftest import RECORD_RUNS, LiveScrape, pids_of
from tests.observability.promql import sample_value
from tests.observability.promtool import promtool
from tests.observability.recording_tasks import RECORD_TASK

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("service", ["api", "worker"])
def test_promtool_accepts_the_metrics(live: LiveScrape, service: str) -> None:
    text = getattr(live, service)
    checked = promtool("check", "metrics", stdin=text)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.strip() == checked.stderr.strip() == "", "promtool found lint problems"


def test_the_worker_serves_the_sum_of_all_its_processes(live: LiveScrape) -> None:
    text = live.worker
    dataset = str(live.dataset)
    # The two recording tasks ran in two different prefork children; the endpoint adds them up.
    assert len(pids_of(live.worker_files)) >= 2, live.worker_files
    assert sample_value(text, "distillery_provider_cost_usd_total", dataset=dataset, stage="bulk") == 0.5
    assert sample_value(text, "distillery_teacher_equivalent_cost_usd_total", dataset=dataset) == 2.5
    assert (
        sample_value(text, "distillery_provider_unknown_cost_requests_total", model="gpt-4o-mini")
        == RECORD_RUNS
    )
    assert sample_value(text, "distillery_provider_requests_total", outcome="timeout") == RECORD_RUNS
    assert sample_value(text, "distillery_provider_retries_total", provider="openai") == RECORD_RUNS
    assert sample_value(text, "distillery_provider_tokens_total", direction="input") == 240
    assert sample_value(text, "distillery_provider_request_duration_seconds_count") == 3 * RECORD_RUNS
    assert sample_value(text, "distillery_items_total", stage="bulk", outcome="accepted") == RECORD_RUNS
    assert sample_value(text, "distillery_rejections_total", reason="near_duplicate") == RECORD_RUNS
    assert sample_value(text, "distillery_judge_score_bucket", stage="judge", le="7.5") == RECORD_RUNS
    assert sample_value(text, "distillery_judge_score_bucket", stage="judge", le="7.0") == 0
    assert sample_value(text, "distillery_duplicates_total", kind="near") == RECORD_RUNS
    # The diagnostic task went through the real path: enqueued by the API, run by a child.
    assert sample_value(text, "distillery_worker_tasks_total", task="system.diagnose", state="success") == 1
    assert (
        sample_value(text, "distillery_worker_task_duration_seconds_count", task=RECORD_TASK) == RECORD_RUNS
    )


def test_the_api_serves_the_gauges_read_from_the_database_and_the_broker(live: LiveScrape) -> None:
    text = live.api
    dataset = str(live.dataset)
    assert sample_value(text, "distillery_metrics_source_up", source="database") == 1
    assert sample_value(text, "distillery_metrics_source_up", source="broker") == 1
    assert sample_value(text, "distillery_jobs", kind="generate", status="running") == 1
    assert sample_value(text, "distillery_budget_limit_usd", scope="dataset", dataset=dataset) == 10
    assert sample_value(text, "distillery_budget_used_usd", scope="dataset", dataset=dataset) == 9.5
    assert sample_value(text, "distillery_ledger_cost_usd", provider="openai", stage="bulk") == 0.25
    assert sample_value(text, "distillery_ledger_unknown_cost_requests", provider="openai") == 1
    assert sample_value(text, "distillery_queue_messages", queue="default") == 0


def test_stale_metric_files_of_a_dead_worker_are_removed_when_a_worker_starts(live: LiveScrape) -> None:
    assert not live.stale_dir.exists()
    assert live.worker_dir.parent == live.settings.metrics_multiproc_dir


@pytest.mark.parametrize("service", ["api", "worker"])
def test_every_label_value_is_bounded(live: LiveScrape, service: str) -> None:
    app = create_app(live.settings)
    routes = set(app.openapi()["paths"]) | {"/metrics", "/api/{path}", "dashboard", "unmatched"}
    celery_app.loader.import_default_modules()  # the task modules a worker loads
    problems = unbounded_labels(getattr(live, service), routes=routes, tasks=set(celery_app.tasks))
    assert problems == []
    # The request to /api/v1/no/such/<uuid>/thing was counted under the catch-all's template.
    if service == "api":
        assert (sample_value(live.api, "distillery_http_requests_total", route="/api/{path}") or 0) >= 1


@pytest.mark.parametrize("service", ["api", "worker"])
def test_no_secret_is_exposed(live: LiveScrape, service: str) -> None:
    text = getattr(live, service)
    for secret in (TEST_SECRET_KEY, ADMIN_PASSWORD, str(live.settings.data_dir)):
        assert secret not in text
