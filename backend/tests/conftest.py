"""Fixtures: real SQLite and PostgreSQL databases, real Redis, the app over ASGI, real worker processes."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
import httpx
import pytest
import redis
from asgi_lifespan import LifespanManager
from pydantic import SecretStr

from app.auth import security
from app.auth.csrf import CSRF_COOKIE, CSRF_HEADER
from app.core.config import Settings
from app.main import create_app
from tests.dbtemplate import Templates
from tests.services import POSTGRES_HOST, POSTGRES_PORT, REDIS_HOST, REDIS_PORT, require

ADMIN_EMAIL = "admin@test.local"
ADMIN_PASSWORD = "correct horse battery staple"
TEST_SECRET_KEY = "test-secret-key-that-is-long-and-not-a-placeholder"
BIN = Path(sys.executable).parent
TEMPLATES = Templates()
# The users the tests make get the cheap hashes their apps (ENVIRONMENT=test) would give them.
security.configure("test")


def make_settings(data_dir: Path, **overrides: object) -> Settings:
    """Settings for a test, never read from the developer's .env."""
    values: dict[str, object] = {
        "environment": "test",
        "secret_key": SecretStr(TEST_SECRET_KEY),
        "data_dir": data_dir,
        "first_admin_email": ADMIN_EMAIL,
        "first_admin_password": SecretStr(ADMIN_PASSWORD),
        "log_level": "WARNING",
    }
    values.update(overrides)
    # model_validate skips the environment and .env sources: only these values count.
    return Settings.model_validate(values)


def settings_env(settings: Settings) -> dict[str, str]:
    """The environment that makes a subprocess build the same settings."""
    # Nothing of the developer's own settings may leak into the subprocess.
    env = {k: v for k, v in os.environ.items() if k.lower() not in Settings.model_fields}
    env.update(
        ENVIRONMENT=settings.environment,
        SECRET_KEY=settings.secret_key.get_secret_value(),
        DATA_DIR=str(settings.data_dir),
        LOG_LEVEL="INFO",
        FIRST_ADMIN_EMAIL=settings.first_admin_email,
        FIRST_ADMIN_PASSWORD=ADMIN_PASSWORD,
        PYTHONUNBUFFERED="1",
    )
    # Every other setting the test chose explicitly (job tuning, provider keys and endpoints...).
    for name in settings.model_fields_set - {"log_level", "first_admin_password"}:
        value = getattr(settings, name)
        if value is not None and name.upper() not in env:
            env[name.upper()] = value.get_secret_value() if isinstance(value, SecretStr) else str(value)
    return env


@pytest.fixture
def sqlite_settings(tmp_path: Path) -> Settings:
    """The embedded default: SQLite database and SQLite broker in a temporary folder."""
    return make_settings(tmp_path / "data")


@pytest.fixture
async def postgres_url() -> AsyncIterator[str]:
    """A fresh, empty PostgreSQL database, dropped afterwards."""
    require("PostgreSQL", POSTGRES_HOST, POSTGRES_PORT)
    name = f"distillery_test_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(
        host=POSTGRES_HOST, port=POSTGRES_PORT, user="postgres", database="postgres"
    )
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        yield f"postgresql://postgres@{POSTGRES_HOST}:{POSTGRES_PORT}/{name}"
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


def redis_db() -> int:
    """This process's Redis database: ``DISTILLERY_TEST_REDIS_DB`` (13 by default) + the xdist worker's index.

    The library's limiter tests take the numbers above the workers' (distillation/tests/providers).
    """
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")  # gw0, gw1, ... under pytest-xdist
    return (int(os.environ.get("DISTILLERY_TEST_REDIS_DB", "13")) + int(worker[2:])) % 16


@pytest.fixture
def redis_url() -> Iterator[str]:
    """A Redis database of its own (flushed before and after).

    ``DISTILLERY_TEST_REDIS_DB`` picks another database number, so two checkouts can run their suites
    side by side on one Redis; each pytest-xdist worker takes the next number up (see ``redis_db``).
    """
    require("Redis", REDIS_HOST, REDIS_PORT)
    url = f"redis://{REDIS_HOST}:{REDIS_PORT}/{redis_db()}"
    client = redis.Redis.from_url(url)
    client.flushdb()
    yield url
    client.flushdb()
    client.close()


@pytest.fixture
def server_settings(tmp_path: Path, postgres_url: str, redis_url: str) -> Settings:
    """Production-like: PostgreSQL database and Redis broker."""
    return make_settings(tmp_path / "data", database_url=postgres_url, redis_url=redis_url)


@pytest.fixture(params=["embedded", "server"])
def any_settings(request: pytest.FixtureRequest) -> Settings:
    """Each test runs on the embedded default and on PostgreSQL + Redis."""
    name = "sqlite_settings" if request.param == "embedded" else "server_settings"
    settings: Settings = request.getfixturevalue(name)
    return settings


async def migrate(settings: Settings) -> None:
    """Bring the database to head and create the first admin (a new database is a copy of a migrated one)."""
    await TEMPLATES.migrate(settings)


# What a backend test starts its processes with: the fixtures, and the names its module imports.
PROCESS_FIXTURES = frozenset({"start_worker", "live"})
PROCESS_NAMES = ("subprocess", "WorkerProcess")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the backend tests that start processes (workers, servers, the dev script) ``processes``.

    ``make test-fast`` leaves them out; the marks follow the code, so a new such test needs no mark.
    """
    here = Path(__file__).parent
    for item in items:
        if not item.path.is_relative_to(here) or not isinstance(item, pytest.Function):
            continue
        module = vars(item.module) if item.module is not None else {}
        if PROCESS_FIXTURES & set(item.fixturenames) or any(name in module for name in PROCESS_NAMES):
            item.add_marker(pytest.mark.processes)


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Drop the template databases this process built."""
    asyncio.run(TEMPLATES.drop())


@asynccontextmanager
async def api_client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The app, started with its lifespan, behind an HTTP client."""
    app = create_app(settings)
    async with (
        LifespanManager(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client,
    ):
        yield client


async def login(client: httpx.AsyncClient, email: str = ADMIN_EMAIL, password: str = ADMIN_PASSWORD) -> None:
    """Log ``client`` in (its cookie jar keeps the session) and let it write as the dashboard does."""
    response = await client.post("/api/v1/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    act_as_dashboard(client)


def act_as_dashboard(client: httpx.AsyncClient | httpx.Client) -> None:
    """Send what the dashboard's writes carry: the browser's ``Origin`` and the session's CSRF token.

    Call it after logging in: the token is the ``distillery_csrf`` cookie that login set.
    """
    client.headers["Origin"] = str(client.base_url).rstrip("/")
    client.headers[CSRF_HEADER] = client.cookies[CSRF_COOKIE]


class WorkerProcess:
    """A real ``distillery worker`` subprocess, stopped when the test ends."""

    def __init__(self, settings: Settings, log: Path, *extra: str) -> None:
        self.log = log
        self._file = log.open("wb")
        self.proc = subprocess.Popen(
            [str(BIN / "distillery"), "worker", "--concurrency", "1", *extra],
            env=settings_env(settings),
            cwd=settings.data_dir.parent,
            stdout=self._file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self, timeout: float = 60.0) -> None:
        """Block until the worker says it is ready."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if b" ready." in self.log.read_bytes():
                return
            if self.proc.poll() is not None:
                raise AssertionError(f"worker exited early:\n{self.log.read_text()[-3000:]}")
            time.sleep(0.2)
        raise AssertionError(f"worker not ready after {timeout}s:\n{self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        """Kill the worker's process group, as a crash would.

        No test needs a warm shutdown: one of an idle worker takes seconds (they added up to a minute of
        the suite), and a task still in a model call or a fine-tune step is built to survive a kill.
        """
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)
        self._file.close()


@pytest.fixture
def start_worker(tmp_path: Path) -> Iterator[object]:
    """Start real worker processes for the given settings."""
    started: list[WorkerProcess] = []

    def _start(settings: Settings, *extra: str) -> WorkerProcess:
        worker = WorkerProcess(settings, tmp_path / f"worker-{len(started)}.log", *extra)
        started.append(worker)
        worker.wait_ready()
        return worker

    yield _start
    for worker in started:
        worker.stop()
