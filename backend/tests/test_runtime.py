"""How an API process uses PostgreSQL and memory: closed connections replaced, reads without a
transaction, the startup heap frozen out of the garbage collector."""

from __future__ import annotations

import asyncio
import gc
import subprocess
import sys
from typing import Any

import asyncpg
import httpx
from asgi_lifespan import LifespanManager
from sqlalchemy import event, text

from app.core.config import Settings
from app.core.db import create_engine
from app.main import create_app
from tests.conftest import login, migrate, settings_env


async def test_a_pooled_connection_the_server_closed_is_replaced_at_checkout(
    server_settings: Settings,
) -> None:
    engine = create_engine(server_settings.model_copy(update={"database_pool_size": 1}))
    try:
        async with engine.connect() as connection:
            first = await connection.scalar(text("SELECT pg_backend_pid()"))
        await _terminate(str(server_settings.database_url), first)
        async with engine.connect() as connection:  # the pool's one connection is the closed one
            second = await connection.scalar(text("SELECT pg_backend_pid()"))
    finally:
        await engine.dispose()
    assert second != first


async def _terminate(url: str, pid: int) -> None:
    """End backend ``pid`` as a restart of PostgreSQL would, and wait until it is gone."""
    connection = await asyncpg.connect(url)
    try:
        await connection.execute("SELECT pg_terminate_backend($1)", pid)
        for _ in range(100):
            if not await connection.fetchval("SELECT count(*) FROM pg_stat_activity WHERE pid = $1", pid):
                break
            await asyncio.sleep(0.05)
    finally:
        await connection.close()
    await asyncio.sleep(0.2)  # the client side reads the end of the socket


async def test_reads_run_outside_a_transaction_and_writes_inside_one(server_settings: Settings) -> None:
    await migrate(server_settings)
    app = create_app(server_settings)
    statements: list[tuple[str, bool]] = []

    def record(connection: Any, _cursor: Any, statement: str, *_: Any) -> None:
        driver = connection.connection.driver_connection
        statements.append((statement.split()[0], driver.is_in_transaction()))

    async with (
        LifespanManager(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client,
    ):
        event.listen(app.state.engine.sync_engine, "after_cursor_execute", record)
        await login(client)
        statements.clear()
        listed = await client.get("/api/v1/datasets")
        reads = statements.copy()
        statements.clear()
        created = await client.post("/api/v1/datasets", json={"name": "tx", "data_type": "qa"})
        writes = statements.copy()
    assert listed.status_code == 200, listed.text
    assert created.status_code == 201, created.text
    assert reads, "the list read nothing"
    assert not any(in_transaction for _, in_transaction in reads), reads
    assert any(verb == "INSERT" for verb, _ in writes), writes
    assert all(in_transaction for _, in_transaction in writes), writes


def test_the_served_app_freezes_its_startup_heap_and_the_test_app_does_not(sqlite_settings: Settings) -> None:
    program = (
        "import asyncio, gc\n"
        "from asgi_lifespan import LifespanManager\n"
        "from app.main import create_served_app\n"
        "async def main():\n"
        "    async with LifespanManager(create_served_app()):\n"
        "        print(gc.get_freeze_count())\n"
        "asyncio.run(main())\n"
    )
    served = subprocess.run(
        [sys.executable, "-c", program],
        env=settings_env(sqlite_settings),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert served.returncode == 0, served.stderr[-3000:]
    assert int(served.stdout.split()[-1]) > 50_000
    assert gc.get_freeze_count() == 0  # the apps the tests build (create_app) leave this process alone
