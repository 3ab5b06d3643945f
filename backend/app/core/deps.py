"""Request-scoped dependencies: settings and the one transaction of a request."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core import outbox
from app.core.config import Settings


async def get_settings_dep(request: Request) -> Settings:
    """The settings the app was created with."""
    settings: Settings = request.app.state.settings
    return settings


# Requests that only read run without a transaction (each statement sees what is committed).
READ_METHODS = frozenset({"GET", "HEAD"})


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One transaction per request: committed when the endpoint returns, then its tasks are sent.

    A GET or HEAD request reads outside a transaction: no BEGIN and COMMIT round trips.
    """
    state = request.app.state
    read = request.method in READ_METHODS
    maker: async_sessionmaker[AsyncSession] = state.read_sessionmaker if read else state.sessionmaker
    async with maker() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            outbox.discard(session)
            raise
        await outbox.flush(session, request.app.state.celery)


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
# scope="function" runs the commit right after the endpoint returns, before the response is sent.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
