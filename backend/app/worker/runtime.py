"""One event loop and one database engine per worker process.

Engines must not cross ``fork``: a pool created in the parent is bound to the parent's loop and sockets
("Future attached to a different loop"). Each prefork child builds its own in ``worker_process_init``
and every task body runs on that loop through :func:`run_async`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import Any, ClassVar, TypeVar

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.core import outbox
from app.core.config import get_settings
from app.core.db import create_engine, create_sessionmaker

logger = logging.getLogger(__name__)
T = TypeVar("T")


class _Runtime:
    closers: ClassVar[list[Callable[[], Coroutine[Any, Any, None]]]] = []
    loop: asyncio.AbstractEventLoop | None = None
    engine: AsyncEngine | None = None
    sessionmaker: async_sessionmaker[AsyncSession] | None = None


_runtime = _Runtime()


def init_process() -> None:
    """Create this process's loop and engine (called once per worker process)."""
    _runtime.loop = asyncio.new_event_loop()
    asyncio.set_event_loop(_runtime.loop)
    _runtime.engine = create_engine(get_settings())
    _runtime.sessionmaker = create_sessionmaker(_runtime.engine)


def shutdown_process() -> None:
    """Dispose of this process's engine and close its loop."""
    if _runtime.loop is None:
        return
    for close in _runtime.closers:
        try:
            _runtime.loop.run_until_complete(close())
        except Exception:  # shutting down: log and go on closing the rest
            logger.warning("a shutdown hook failed", exc_info=True)
    if _runtime.engine is not None:
        _runtime.loop.run_until_complete(_runtime.engine.dispose())
    _runtime.loop.close()
    _runtime.loop = _runtime.engine = _runtime.sessionmaker = None


def on_shutdown(close: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """Run ``close`` on this process's loop when the process shuts down (before the engine goes)."""
    _runtime.closers.append(close)


def sessionmaker() -> async_sessionmaker[AsyncSession]:
    """This process's session factory (for work that commits in several short transactions)."""
    if _runtime.sessionmaker is None:
        init_process()
    assert _runtime.sessionmaker is not None
    return _runtime.sessionmaker


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    """Run a task body on this process's loop, creating the runtime if the pool skipped the signal."""
    if _runtime.loop is None:
        init_process()
    assert _runtime.loop is not None
    return _runtime.loop.run_until_complete(coro)


@asynccontextmanager
async def task_session() -> AsyncIterator[AsyncSession]:
    """A transaction inside a task: committed at the end of the block, then its tasks are sent."""
    assert _runtime.sessionmaker is not None, "run task bodies through run_async()"
    async with _runtime.sessionmaker() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            outbox.discard(session)
            raise
        from app.worker.app import celery_app

        await outbox.flush(session, celery_app)
