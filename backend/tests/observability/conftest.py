"""A live system to scrape: the API and a real two-process worker that has done some work."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from app.core.config import Settings
from app.models import CallStatus
from app.worker.app import create_celery
from tests.conftest import WorkerProcess, api_client, login, make_settings, migrate
from tests.datasets.factories import seed_dataset
from tests.observability import rows
from tests.observability.promql import exposed_series, sample_value
from tests.observability.recording_tasks import RECORD_TASK
from tests.services import free_port
from tests.test_worker import wait_for_task

BACKEND = Path(__file__).resolve().parents[2]
RECORD_RUNS = 2


@dataclass(frozen=True)
class LiveScrape:
    """What the API's and a worker's /metrics said after the worker ran real tasks."""

    settings: Settings
    api: str
    worker: str
    worker_dir: Path
    worker_files: list[str]
    stale_dir: Path
    dataset: uuid.UUID

    def exported(self) -> dict[str, set[str]]:
        """Every sample name either service exposes, with its label names."""
        series = exposed_series(self.api)
        for name, labels in exposed_series(self.worker).items():
            series.setdefault(name, set()).update(labels)
        return series


def dead_pid() -> int:
    """The pid of a process that has just exited."""
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


@pytest.fixture(scope="session")
async def live(tmp_path_factory: pytest.TempPathFactory) -> LiveScrape:
    """Scrapes of the API and of a worker (concurrency 2) after a diagnostic and two recording tasks."""
    tmp = tmp_path_factory.mktemp("live-metrics")
    settings = make_settings(tmp / "data", worker_metrics_port=free_port())
    await migrate(settings)
    dataset = await seed_dataset(settings)
    await rows.add_rows(
        settings,
        rows.job(dataset, budget="10", spent="9.25", reserved="0.25"),
        rows.call(dataset_id=dataset, cost="0.25"),
        rows.call(dataset_id=dataset, cost=None, status=CallStatus.unknown),
    )
    stale = settings.metrics_multiproc_dir / f"{socket.gethostname()}-{dead_pid()}"
    stale.mkdir(parents=True)
    (stale / "counter_1.db").write_bytes(b"left by a killed worker")

    with pytest.MonkeyPatch.context() as patch:  # the worker imports the recording task from tests/
        patch.setenv("PYTHONPATH", str(BACKEND))
        worker = WorkerProcess(
            settings,
            tmp / "worker.log",
            "--concurrency",
            "2",
            "--include",
            "tests.observability.recording_tasks",
        )
    try:
        worker.wait_ready()
        url = f"http://127.0.0.1:{settings.worker_metrics_port}/metrics"
        async with api_client(settings) as client:
            await login(client)
            queued = (await client.post("/api/v1/system/diagnostics")).json()
            assert (await wait_for_task(client, queued["id"]))["status"] == "succeeded"
            # A path under the API that matches no endpoint, with an id in it: it must not become a label.
            await client.get(f"/api/v1/no/such/{uuid.uuid4()}/thing")
            celery = create_celery(settings)
            for _ in range(RECORD_RUNS):
                celery.send_task(
                    RECORD_TASK, kwargs={"dataset": str(dataset), "hold_s": 1.0}, queue="default"
                )
            worker_text = await _wait_for_records(url, worker)
            api_text = (await client.get("/metrics")).text
        directory = next(p for p in settings.metrics_multiproc_dir.iterdir() if p != stale and p.is_dir())
        files = sorted(p.name for p in directory.iterdir())
    finally:
        worker.stop()
    return LiveScrape(settings, api_text, worker_text, directory, files, stale, dataset)


async def _wait_for_records(url: str, worker: WorkerProcess) -> str:
    """The worker's /metrics once it counts the recording tasks as done."""
    deadline = time.monotonic() + 60
    text = ""
    async with httpx.AsyncClient() as client:
        while time.monotonic() < deadline:
            try:
                text = (await client.get(url)).text
            except httpx.TransportError:
                text = ""
            done = sample_value(text, "distillery_worker_tasks_total", task=RECORD_TASK, state="success")
            if done == RECORD_RUNS:
                return text
            await asyncio.sleep(0.5)
    log = worker.log.read_text()[-3000:] if worker.log.exists() else ""
    raise AssertionError(f"the worker's metrics never counted the tasks:\n{text}\n--- log ---\n{log}")


def pids_of(files: list[str]) -> set[str]:
    """The process ids in prometheus_client's multiprocess file names (``counter_1234.db``)."""
    return {name.rsplit("_", 1)[1].removesuffix(".db") for name in files if name.endswith(".db")}
