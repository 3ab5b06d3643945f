"""./start-dev.sh on a copy of the checkout: starts healthy, stops every child on Ctrl-C, restarts fast
with the data kept. The copy borrows this checkout's .venv and dashboard build with --no-install (an
install through the borrowed .venv would rewrite this checkout's environment), so it checks the start
itself; ../shared/tools/fresh-clone-check covers the first install on a fresh clone."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import httpx
import psutil
import pytest

from tests.conftest import act_as_dashboard
from tests.services import free_port, port_open

# It times the dev script's start and stop: run alone (`make test-backend`), not beside other tests.
pytestmark = pytest.mark.exclusive

ROOT = Path(__file__).resolve().parents[2]


def tracked_copy(dest: Path) -> None:
    files = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for name in filter(None, files):
        source = ROOT / name.decode()
        if source.is_file():
            target = dest / name.decode()
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    (dest / ".venv").symlink_to(ROOT / ".venv")
    shutil.copytree(ROOT / "frontend" / "out", dest / "frontend" / "out")


def clean_env() -> dict[str, str]:
    from app.core.config import Settings

    env = {k: v for k, v in os.environ.items() if k.lower() not in Settings.model_fields}
    env["PYTHONUNBUFFERED"] = "1"
    return env


def require_dashboard_build() -> None:
    """Skip loudly without a built dashboard (the copy borrows it); in CI its absence is a failure."""
    if not (ROOT / "frontend" / "out" / "index.html").is_file():
        if os.environ.get("CI") == "true":
            pytest.fail("frontend/out is missing: the test command builds the dashboard before the tests")
        pytest.skip("!!! SKIPPED: build the dashboard first (make frontend)")


def start(clone: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        ["./start-dev.sh", "--no-install", "--port", str(port)],
        cwd=clone,
        env=clean_env(),
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def wait_healthy(proc: subprocess.Popen[bytes], port: int, log: Path, timeout: float) -> float:
    began = time.monotonic()
    while time.monotonic() - began < timeout:
        if proc.poll() is not None:
            raise AssertionError(f"start-dev.sh exited:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=2).status_code == 200:
                return time.monotonic() - began
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"not healthy after {timeout}s:\n{log.read_text()[-3000:]}")


def interrupt(proc: subprocess.Popen[bytes]) -> None:
    os.killpg(proc.pid, signal.SIGINT)
    proc.wait(60)


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def assert_all_stopped(proc: subprocess.Popen[bytes], port: int) -> None:
    """Within 30 s no process of the script's group is left and nothing listens on its port."""
    deadline = time.monotonic() + 30
    while group_alive(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not group_alive(proc.pid), "a child of start-dev.sh outlived the stop"
    assert not port_open("127.0.0.1", port)


@pytest.mark.slow
def test_start_stop_restart_keeps_data(tmp_path: Path) -> None:
    require_dashboard_build()
    clone, port, log = tmp_path / "clone", free_port(), tmp_path / "start.log"
    tracked_copy(clone)

    first = start(clone, port, log)
    try:
        wait_healthy(first, port, log, timeout=300)
        banner_deadline = time.monotonic() + 30
        while "Press Ctrl-C to stop." not in log.read_text() and time.monotonic() < banner_deadline:
            time.sleep(0.2)
        password = (clone / "data" / "initial-admin-password").read_text().strip()
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
            assert "<html" in client.get("/").text.lower()
            login = client.post(
                "/api/v1/auth/login", json={"email": "admin@distillery.local", "password": password}
            )
            assert login.status_code == 200
            act_as_dashboard(client)
            task = client.post("/api/v1/system/diagnostics").json()
    finally:
        interrupt(first)
    assert first.returncode is not None
    assert_all_stopped(first, port)
    assert "Log in as admin@distillery.local" in log.read_text()

    second = start(clone, port, log)
    try:
        seconds = wait_healthy(second, port, log, timeout=120)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
            client.post("/api/v1/auth/login", json={"email": "admin@distillery.local", "password": password})
            kept = client.get(f"/api/v1/tasks/{task['id']}")
    finally:
        interrupt(second)
    assert kept.status_code == 200, "the first run's data is gone"
    assert seconds < 60, f"second start took {seconds:.0f}s"


def serving(script: psutil.Process) -> bool:
    """Whether the script has started the server (children come and go while it is polled)."""
    for child in script.children():
        try:
            if "serve" in child.cmdline():
                return True
        except psutil.Error:
            continue
    return False


@pytest.mark.slow
def test_a_stop_while_it_is_still_starting_ends_the_script(tmp_path: Path) -> None:
    # SIGTERM to the script alone (as a process manager sends it) while it waits for the server to
    # answer: everything stops and the script ends, instead of polling a stopped server for a minute.
    require_dashboard_build()
    clone, port, log = tmp_path / "clone", free_port(), tmp_path / "start.log"
    tracked_copy(clone)
    proc = start(clone, port, log)
    try:
        deadline = time.monotonic() + 120
        while not serving(psutil.Process(proc.pid)):
            assert proc.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, "no server started within 120 s"
            time.sleep(0.05)
        assert not port_open("127.0.0.1", port), "the server answered before the stop: nothing was tested"
        os.kill(proc.pid, signal.SIGTERM)
        assert proc.wait(40) == 143, log.read_text()[-3000:]
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert_all_stopped(proc, port)
