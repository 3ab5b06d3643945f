"""Schemathesis over the whole OpenAPI schema of a real ``distillery serve``: no 5xx, no undocumented answer.

The server runs as users start it (embedded default: SQLite and the broker in a fresh DATA_DIR, the
first admin from FIRST_ADMIN_*), with a dataset, a job, a domain, a user and a token created through the
API, so that operations on ids reach their logic instead of stopping at 404. Schemathesis runs as its
CLI, logged in as the dashboard is (the admin's session cookie, its Origin and its CSRF token), with the
checks: no server error, every response and its status code and content type as documented.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from app.auth.csrf import CSRF_HEADER
from app.auth.deps import SESSION_COOKIE
from app.core.config import Settings
from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, BIN, act_as_dashboard, make_settings, settings_env
from tests.services import free_port

pytestmark = pytest.mark.slow

CHECKS = "not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance"
# Only what cannot be fuzzed meaningfully is left out, each for its reason:
EXCLUDED = (
    # Server-Sent Events: the stream stays open until the job ends, and no worker runs the job here.
    "/api/v1/jobs/{job_id}/events",
    # It ends the session every other request of the run is made with.
    "/api/v1/auth/logout",
)
# Ids in request bodies: (operation, body field, dictionary of seeded ids).
BODY_IDS = (
    ("POST /api/v1/datasets/merge", "body.ids[*]", "dataset_id"),
    ("POST /api/v1/datasets/{dataset_id}/examples/bulk", "body.ids[*]", "example_id"),
    ("POST /api/v1/jobs/quality", "body.dataset_id", "dataset_id"),
    ("POST /api/v1/jobs/relabel", "body.prompt_set_id", "prompt_set_id"),
    ("POST /api/v1/jobs/preference", "body.prompt_set_id", "prompt_set_id"),
)
# Starting a job plans one row per example inside the request: a count near its maximum (1,000,000)
# keeps the request, and SQLite's write lock, busy for minutes, which is not what this test is about.
JOB_COUNTS = [1, 2, 50]
MAX_EXAMPLES = 25
RUN_TIMEOUT = 420
CHATS = (
    {"messages": [{"role": "user", "content": "What is 2 + 2?"}, {"role": "assistant", "content": "4"}]},
    {"messages": [{"role": "user", "content": "Say hi."}, {"role": "assistant", "content": "Hi!"}]},
)


@contextmanager
def served(settings: Settings, port: int, log: Path) -> Iterator[str]:
    """``distillery migrate`` then ``distillery serve`` as subprocesses; yields the base URL."""
    env = settings_env(settings)
    cwd = settings.data_dir.parent
    subprocess.run([str(BIN / "distillery"), "migrate"], env=env, cwd=cwd, check=True, capture_output=True)
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(BIN / "distillery"), "serve", "--port", str(port)],
            env=env,
            cwd=cwd,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(base, proc, log)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


def wait_healthy(base: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    """Poll the health endpoint until the server answers 200."""
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"distillery serve exited:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{base}/api/v1/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"distillery serve did not start:\n{log.read_text()[-3000:]}")


def created(response: httpx.Response) -> dict[str, object]:
    """The body of a successful creation (the test stops with the reason otherwise)."""
    assert response.status_code in (200, 201), f"{response.request.url}: {response.text}"
    body: dict[str, object] = response.json()
    return body


def seed(client: httpx.Client, folder: Path) -> dict[str, list[str]]:
    """Create one of each resource through the API; returns the ids per path parameter name."""
    upload = folder / "seed.jsonl"
    upload.write_text("".join(json.dumps(chat) + "\n" for chat in CHATS))
    with upload.open("rb") as file:
        form = {"name": "fuzz seed", "data_type": "qa"}
        dataset = created(client.post("/api/v1/datasets/upload", data=form, files={"file": file}))["dataset"]
    assert isinstance(dataset, dict)
    examples = client.get(f"/api/v1/datasets/{dataset['id']}/examples").json()["items"]
    other = created(client.post("/api/v1/datasets", json={"name": "fuzz other", "data_type": "qa"}))
    prompts = {"file": ("prompts.csv", b"prompt\nWhat is 2 + 2?\nSay hi.\n")}
    prompt_set = created(client.post("/api/v1/prompt-sets", data={"name": "fuzz prompts"}, files=prompts))
    assert isinstance(prompt_set["prompt_set"], dict)
    job = created(
        client.post("/api/v1/jobs/generate", json={"name": "fuzz job", "data_type": "qa", "count": 3})
    )
    spec = {"name": "fuzz-spec", "output_schema": {"type": "object"}, "policy": "Be brief."}
    task_spec = created(client.post("/api/v1/task-specs", json={"spec": spec}))
    domain = {"id": "fuzz_domain", "name": "Fuzz", "subdomains": {"one": {"name": "One"}}}
    created(client.post("/api/v1/domains", json=domain))
    user = created(client.post("/api/v1/users", json={"email": "editor@test.local", "password": "p" * 12}))
    # Not the credentials of the run (a session cookie): revoking this token must not log the run out.
    token = created(client.post("/api/v1/tokens", json={"name": "spare"}))
    return {
        "dataset_id": [str(dataset["id"]), str(other["id"])],
        "example_id": [str(e["id"]) for e in examples],
        "job_id": [str(job["id"])],
        "prompt_set_id": [str(prompt_set["prompt_set"]["id"])],
        "slug": ["fuzz_domain", "customer_support"],
        "user_id": [str(user["id"])],
        "token_id": [str(token["id"])],
        "spec_id": [str(task_spec["id"])],
    }


def write_config(path: Path, ids: dict[str, list[str]]) -> None:
    """A schemathesis.toml that puts the seeded ids in their parameters more often than not."""
    lines = []
    for name, values in ids.items():
        lines += [f"[dictionaries.{name}]", f"values = {json.dumps(values)}"]
    lines.append("[parameters]")
    lines += [f'"path.{name}" = {binding(name)}' for name in ids]
    lines += ["[dictionaries.job_count]", f"values = {json.dumps(JOB_COUNTS)}"]
    bodies = [*BODY_IDS, ("POST /api/v1/jobs/generate", "body.count", "job_count")]
    for operation, field, name in bodies:
        always = name == "job_count"
        lines += [
            "[[operations]]",
            f'include-name = "{operation}"',
            f'parameters = {{ "{field}" = {binding(name, 1.0 if always else 0.6)} }}',
        ]
    path.write_text("\n".join(lines) + "\n")


def binding(dictionary: str, probability: float = 0.6) -> str:
    """A parameter's value drawn from ``dictionary`` with ``probability``, generated otherwise."""
    return f'{{ dictionary = "{dictionary}", probability = {probability} }}'


def run_schemathesis(base: str, client: httpx.Client, folder: Path) -> subprocess.CompletedProcess[str]:
    """The Schemathesis CLI over the server's whole schema as ``client``'s logged-in dashboard session."""
    # The session cookie, and the Origin and CSRF token the dashboard sends with it on writes.
    headers = [f"Cookie: {SESSION_COOKIE}={client.cookies[SESSION_COOKIE]}"]
    headers += [f"{name}: {client.headers[name]}" for name in ("Origin", CSRF_HEADER)]
    command = [
        str(BIN / "schemathesis"),
        "--config-file",
        str(folder / "schemathesis.toml"),
        "run",
        f"{base}/openapi.json",
        *(arg for header in headers for arg in ("--header", header)),
        "--checks",
        CHECKS,
        *(arg for path in EXCLUDED for arg in ("--exclude-path", path)),
        "--max-examples",
        str(MAX_EXAMPLES),
        # One worker: Schemathesis' workers are threads, and CPython 3.11's AST constructor keeps its
        # recursion depth per interpreter, so two threads describing strategies at once can fail with
        # "AST constructor recursion depth mismatch" (python/cpython#106905) inside Hypothesis.
        "--workers",
        "1",
        "--request-timeout",
        "30",
        "--generation-database",
        "none",
        "--report",
        "json",
        "--report-json-path",
        str(folder / "report.json"),
        "--no-color",
    ]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT)


def failures_of(result: subprocess.CompletedProcess[str], log: Path) -> str:
    """Schemathesis' failure report and the server's tracebacks, for the assertion message."""
    output = result.stdout + result.stderr
    start = output.find("FAILURES")
    report = output[start - 40 :] if start >= 0 else output
    server = "\n".join(line for line in log.read_text().splitlines() if "Error" in line or "error" in line)
    return f"{report[:20_000]}\n--- server errors ---\n{server[-5_000:]}"


def test_the_whole_api_answers_as_documented_under_fuzzing(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data")
    log = tmp_path / "server.log"
    with served(settings, free_port(), log) as base, httpx.Client(base_url=base, timeout=30) as client:
        login = client.post("/api/v1/auth/login", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
        assert login.status_code == 200, login.text
        act_as_dashboard(client)
        write_config(tmp_path / "schemathesis.toml", seed(client, tmp_path))
        result = run_schemathesis(base, client, tmp_path)
        still_logged_in = client.get("/api/v1/auth/me").status_code
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["failures"] == [], failures_of(result, log)
    assert result.returncode == 0, failures_of(result, log)
    assert report["errors"] == [], report["errors"]
    operations = report["operations"]
    assert operations["tested"] == operations["selected"] == operations["total"] - len(EXCLUDED)
    # The run was authenticated throughout: no operation answered only 401.
    assert report["warnings"]["missing_auth"] == []
    assert still_logged_in == 200
