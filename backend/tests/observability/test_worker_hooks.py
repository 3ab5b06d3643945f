"""The worker's metric hooks on their own: disabled without a port, task labels, exiting processes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from prometheus_client import REGISTRY, values

from app.observability import worker
from app.worker.app import celery_app
from tests.conftest import make_settings


def tasks_done(task: str, state: str) -> float:
    return REGISTRY.get_sample_value("distillery_worker_tasks_total", {"task": task, "state": state}) or 0.0


def test_without_a_port_the_worker_keeps_single_process_metrics(tmp_path: Path) -> None:
    assert worker.start_worker_metrics(make_settings(tmp_path / "data")) is None
    assert values.ValueClass is values.MutexValue
    assert not (tmp_path / "data" / "prometheus").exists()


def test_tasks_are_counted_by_registered_name_and_final_state() -> None:
    celery_app.loader.import_default_modules()
    diagnose = celery_app.tasks["system.diagnose"]
    before = (
        tasks_done("system.diagnose", "failure"),
        tasks_done("other", "success"),
        timed("system.diagnose"),
    )
    worker.task_started(task_id="t-1")
    worker.task_finished(task_id="t-1", task=diagnose, state="FAILURE")
    worker.task_finished(task_id="t-2", task=object(), state="SUCCESS")  # not a registered task
    assert tasks_done("system.diagnose", "failure") == before[0] + 1
    assert tasks_done("other", "success") == before[1] + 1
    assert timed("system.diagnose") == before[2] + 1


def timed(task: str) -> float:
    sample = REGISTRY.get_sample_value("distillery_worker_task_duration_seconds_count", {"task": task})
    return sample or 0.0


def test_an_exiting_process_drops_its_live_gauge_files_and_keeps_its_counts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pid = os.getpid()
    live_gauge = tmp_path / f"gauge_livesum_{pid}.db"
    counter = tmp_path / f"counter_{pid}.db"
    for path in (live_gauge, counter):
        path.write_bytes(b"")
    monkeypatch.setattr(worker._state, "directory", tmp_path)
    worker.process_exited()
    assert not live_gauge.exists()
    assert counter.exists()  # counts of a finished process still add to the worker's totals
