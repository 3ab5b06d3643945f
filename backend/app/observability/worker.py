"""Metrics of a Celery worker: every prefork child's values, served by the main process.

Celery's prefork children each hold their own copy of every metric, so the worker runs in
prometheus_client's multiprocess mode: ``distillery worker`` gives itself an empty folder
(``PROMETHEUS_MULTIPROC_DIR``/``<host>-<pid>``, left-overs of dead workers on this host removed), points
prometheus_client at it before any metric is created, and serves the sum over its processes' files on
``WORKER_METRICS_PORT`` so Prometheus scrapes each worker apart from the API. The counts of a child that
exits stay in its files, so totals never go backwards while the worker runs.
"""

from __future__ import annotations

import atexit
import logging
import os
import re
import shutil
import socket
import time
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, make_wsgi_app, values
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead

from app.core.config import Settings
from app.observability.labels import OTHER, one_of
from app.observability.server import guarded_app, serve_metrics

logger = logging.getLogger(__name__)

TASK_STATES = frozenset({"success", "failure", "retry", "ignored", "rejected"})
TASK_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 900.0)

TASKS = Counter(
    "distillery_worker_tasks_total",
    "Celery tasks this worker's processes finished, by task name and final state.",
    ["task", "state"],
)
TASK_DURATION = Histogram(
    "distillery_worker_task_duration_seconds",
    "Time a Celery task body ran in a worker process.",
    ["task"],
    buckets=TASK_BUCKETS,
)


class _State:
    """This process's metrics folder and the start times of its running tasks."""

    def __init__(self) -> None:
        self.directory: Path | None = None
        self.owner: int | None = None
        self.started: dict[str, float] = {}


_state = _State()


def start_worker_metrics(settings: Settings) -> Path | None:
    """Switch this worker to multiprocess metrics and serve them; call before any task module loads.

    Args:
        settings: The worker's settings; nothing happens when ``worker_metrics_port`` is 0.

    Returns:
        The folder this worker's processes write their metrics to, or ``None`` when disabled.
    """
    if not settings.worker_metrics_port:
        return None
    directory = use_multiprocess_metrics(settings)
    _serve(directory, settings)
    return directory


def use_multiprocess_metrics(settings: Settings) -> Path:
    """Give this process tree an empty metrics folder (removed at exit) and write metrics there.

    A worker calls it before its task modules load, ``distillery serve --workers N`` before the API's
    processes start: prometheus_client reads the folder from the environment, in this process and in
    every child forked or spawned from it, so every metric created from now on writes there.
    """
    directory = _fresh_directory(settings.metrics_multiproc_dir)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(directory)
    values.ValueClass = values.MultiProcessValue()  # type: ignore[no-untyped-call]
    _state.directory, _state.owner = directory, os.getpid()
    atexit.register(_remove_directory)
    return directory


def _fresh_directory(base: Path) -> Path:
    host = re.sub(r"[^A-Za-z0-9_.-]", "_", socket.gethostname()) or "worker"
    base.mkdir(parents=True, exist_ok=True)
    for old in base.glob(f"{host}-*"):
        pid = old.name[len(host) + 1 :]  # exactly "<host>-<pid>": another host's "<host>-2-<pid>" stays
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(old, ignore_errors=True)
    directory = base / f"{host}-{os.getpid()}"
    shutil.rmtree(directory, ignore_errors=True)  # a restarted container reuses its host name and pid
    directory.mkdir()
    return directory


def _remove_directory() -> None:
    # Only the worker's main process owns the folder; a forked child that runs exit hooks must not.
    if _state.directory is not None and os.getpid() == _state.owner:
        shutil.rmtree(_state.directory, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def _serve(directory: Path, settings: Settings) -> None:
    host, port = settings.host, settings.worker_metrics_port
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=str(directory))  # type: ignore[no-untyped-call]
    try:
        serve_metrics(guarded_app(settings, make_wsgi_app(registry)), host, port)
    except OSError as exc:
        # The worker still works; Prometheus sees the target down and the WorkerDown alert says so.
        logger.error("worker metrics: cannot listen on %s:%d (%s); set WORKER_METRICS_PORT", host, port, exc)
        return
    logger.info("worker metrics on http://%s:%d/metrics", host, port)


def process_exited() -> None:
    """Tidy the exiting process's live-gauge files (Celery's ``worker_process_shutdown``)."""
    if _state.directory is not None:
        mark_process_dead(os.getpid(), str(_state.directory))  # type: ignore[no-untyped-call]


def task_started(task_id: str | None = None, **_: Any) -> None:
    """Celery ``task_prerun``: note when the task body started."""
    if task_id is not None:
        _state.started[task_id] = time.perf_counter()


def task_finished(task_id: str | None = None, task: Any = None, state: str | None = None, **_: Any) -> None:
    """Celery ``task_postrun``: count the task by its final state and time it."""
    name = _task_label(task)
    TASKS.labels(name, one_of(state or OTHER, TASK_STATES)).inc()
    began = _state.started.pop(task_id, None) if task_id is not None else None
    if began is not None:
        TASK_DURATION.labels(name).observe(time.perf_counter() - began)


def _task_label(task: Any) -> str:
    """The task's registered name (bounded by the code), ``other`` for anything else."""
    name = getattr(task, "name", None)
    app = getattr(task, "app", None)
    return name if isinstance(name, str) and app is not None and name in app.tasks else OTHER
