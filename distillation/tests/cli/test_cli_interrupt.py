"""A run killed or interrupted in its own process resumes from the cache without paying twice."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from cli_fakes import cli_app, generate_args, invoke, read_jsonl, varied_answer

from distillation.testing import Behavior, FakeProviderServer, RecordedRequest, hang

CHILD = Path(__file__).with_name("cli_child.py")
ANSWERED_BEFORE_HANG = 12


def start_child(server: FakeProviderServer, output: Path, count: int) -> subprocess.Popen[bytes]:
    args = [str(arg) for arg in generate_args(output, count)]
    return subprocess.Popen(
        [sys.executable, str(CHILD), server.openai_base_url, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def wait_for(condition: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def cached_answers(path: Path) -> int:
    return len(path.read_text().splitlines()) if path.exists() else 0


@pytest.mark.slow
def test_a_killed_run_resumes_without_sending_an_answered_request_again(tmp_path: Path) -> None:
    def answers_then_hangs(request: RecordedRequest) -> Behavior:
        return hang() if request.index >= ANSWERED_BEFORE_HANG else varied_answer(request)

    output, cache = tmp_path / "qa.jsonl", tmp_path / "qa.cache.jsonl"
    with FakeProviderServer(answers_then_hangs) as server:
        child = start_child(server, output, 20)
        try:
            # Every answered request is in the cache before the process dies.
            wait_for(lambda: cached_answers(cache) == ANSWERED_BEFORE_HANG)
        finally:
            child.kill()
            child.wait(10)
        first_run = server.requests
        server.reset(varied_answer)

        resumed = invoke(cli_app(server), *generate_args(output, 20))

        second_run = server.requests
    assert resumed.exit_code == 0, resumed.output
    answered = {r.key for r in first_run if r.status == 200}
    assert len(answered) == ANSWERED_BEFORE_HANG
    assert answered.isdisjoint(r.key for r in second_run)
    assert f"{ANSWERED_BEFORE_HANG} answers already in qa.cache.jsonl were reused" in resumed.stdout
    rows = read_jsonl(output)
    assert len(rows) == len({row["metadata"]["id"] for row in rows}) == 20
    assert not (tmp_path / "qa.jsonl.partial").exists()


@pytest.mark.slow
@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_ctrl_c_or_sigterm_stops_cleanly_keeps_the_rows_and_a_rerun_completes(
    tmp_path: Path, stop: signal.Signals
) -> None:
    output, cache = tmp_path / "qa.jsonl", tmp_path / "qa.cache.jsonl"
    slow = lambda request: varied_answer(request).with_(latency=0.05)  # noqa: E731
    with FakeProviderServer(slow) as server:
        child = start_child(server, output, 40)
        wait_for(lambda: cached_answers(cache) >= 20)
        child.send_signal(stop)
        printed, _ = child.communicate(timeout=30)
        partial = read_jsonl(output)
        first_run = server.requests
        server.reset(varied_answer)

        resumed = invoke(cli_app(server), *generate_args(output, 40))

        second_run = server.requests
    assert child.returncode == 2, printed.decode()
    assert b"rows (cancelled)" in printed  # the summary: per-stage table, cost and savings
    assert b"cost: $" in printed
    assert b"vs teacher-only" in printed
    assert b"stopped early (cancelled)" in printed
    assert b"rerun the same command" in printed
    assert 0 < len(partial) < 40
    assert resumed.exit_code == 0, resumed.output
    rows = read_jsonl(output)
    assert len(rows) == len({row["metadata"]["id"] for row in rows}) == 40
    # Only requests in flight when Ctrl-C landed (at most --concurrency 4) may be sent again: their
    # answers never reached the client.
    answered = {r.key for r in first_run if r.status == 200}
    assert len(answered) >= 20
    assert len(answered.intersection(r.key for r in second_run)) <= 4
