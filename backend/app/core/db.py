"""Engines and sessions.

One engine per process (the API process, each Celery worker process). Services never commit: the
request dependency commits once, before the response is sent, and rolls back on error.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import orjson
from sqlalchemy import event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry, NullPool

from app.core.config import Settings


def create_engine(settings: Settings, *, pooled: bool = True) -> AsyncEngine:
    """An async engine for the configured database (SQLite tuned for several processes)."""
    url = settings.sqlalchemy_url
    # JSON columns (messages, records, provenance) through orjson: several times faster than the
    # standard library both ways, which shows on every page of examples.
    json_codec: dict[str, Any] = {"json_serializer": _json_dumps, "json_deserializer": _json_loads}
    if url.startswith("sqlite"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, connect_args={"timeout": 30}, **json_codec)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    kwargs: dict[str, Any] = dict(json_codec)
    if pooled:
        # No overflow: a connection opened for a burst and closed after it costs PostgreSQL a new backend
        # process and the statements it had prepared. Under the load benchmark (200 clients) that churn
        # was most of the p95: 326 ms with 10 + 10 overflow, 142 ms with 20 kept. Past the pool, requests
        # wait for a connection (PoolTimeout after 30 s: a 503).
        kwargs.update(pool_size=settings.database_pool_size, max_overflow=0)
    else:
        kwargs["poolclass"] = NullPool
    engine = create_async_engine(url, **kwargs)
    event.listen(engine.sync_engine, "checkout", _refuse_closed_connection)
    return engine


def create_read_engine(engine: AsyncEngine) -> AsyncEngine:
    """``engine`` (same pool) without transactions: each statement sees what is committed when it runs.

    For requests that only read: no BEGIN and COMMIT round trips around their few queries.
    """
    return engine.execution_options(isolation_level="AUTOCOMMIT")


def _refuse_closed_connection(_dbapi_connection: Any, record: ConnectionPoolEntry, _proxy: Any) -> None:
    # A pooled connection whose server went away (PostgreSQL restarted, the backend was terminated) is
    # replaced at checkout. asyncpg notices the closed socket while the connection sits in the pool, so
    # asking it costs nothing; SQLAlchemy's pool_pre_ping costs three round trips (BEGIN, a statement,
    # COMMIT) on every checkout, more than some requests' own queries.
    if record.driver_connection is not None and record.driver_connection.is_closed():
        raise DisconnectionError("the database closed this connection")


# orjson handles integers of 64 bits; it refuses to write a longer one and reads one as a float. An
# uploaded row's metadata may hold one (an id, a hash), so those go through the standard library, which
# keeps any integer exactly. On read, a float at or past 2^63 is the sign of one (a real float that big
# is rare, and the standard library reads it as the same float): walking the parsed value costs far less
# than scanning the text for long runs of digits.
_FLOAT_OF_A_LONG_INTEGER = 2.0**63


def _json_dumps(value: Any) -> str:
    try:
        return orjson.dumps(value).decode()
    except orjson.JSONEncodeError:
        return json.dumps(value)


def _json_loads(text: str) -> Any:
    value = orjson.loads(text)
    return json.loads(text) if _holds_a_long_integer(value) else value


def _holds_a_long_integer(value: Any) -> bool:
    kind = type(value)
    if kind is float:
        return bool(abs(value) >= _FLOAT_OF_A_LONG_INTEGER)
    if kind is dict:
        value = value.values()
    elif kind is not list:
        return False
    for item in value:  # a loop, not any(): this runs on every JSON value the database returns
        if _holds_a_long_integer(item):
            return True
    return False


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets the API read while a worker writes; busy_timeout waits out short write locks
    # instead of failing with "database is locked".
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded attributes after commit (responses are built after the commit)."""
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


async def session_scope(maker: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """One transaction: committed when the block ends cleanly, rolled back otherwise."""
    async with maker() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise
