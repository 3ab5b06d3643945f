"""SQL for users, login sessions and failed-login counters."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import delete, func, or_, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import LoginThrottle, Role, User, UserSession


async def count_users(session: AsyncSession) -> int:
    """How many users exist."""
    return int(await session.scalar(select(func.count()).select_from(User)) or 0)


async def get_by_email(session: AsyncSession, email: str) -> User | None:
    """A user by e-mail (case-insensitive)."""
    # SQLite's lower() folds ASCII only: the exact match finds non-ASCII addresses there too.
    same = or_(User.email == email, func.lower(User.email) == email.lower())
    return await session.scalar(select(User).where(same))


async def add_user(session: AsyncSession, email: str, password_hash: str, role: Role) -> User:
    """A new user (flushed)."""
    user = User(email=email, password_hash=password_hash, role=role)
    session.add(user)
    await session.flush()
    return user


async def add_session(
    session: AsyncSession, user_id: uuid.UUID, token_hash: str, created_at: datetime, expires_at: datetime
) -> None:
    """A new login session."""
    session.add(
        UserSession(user_id=user_id, token_hash=token_hash, created_at=created_at, expires_at=expires_at)
    )


async def user_for_session(session: AsyncSession, token_hash: str, now: datetime) -> User | None:
    """The active user of an unexpired session."""
    return await session.scalar(
        select(User)
        .join(UserSession, UserSession.user_id == User.id)
        .where(UserSession.token_hash == token_hash, UserSession.expires_at > now, User.is_active.is_(True))
    )


async def delete_session(session: AsyncSession, token_hash: str) -> None:
    """End a login session."""
    await session.execute(delete(UserSession).where(UserSession.token_hash == token_hash))


async def locked_until(session: AsyncSession, keys: list[str]) -> datetime | None:
    """The latest lock end among ``keys`` (None when none of them is locked)."""
    query = select(func.max(LoginThrottle.locked_until)).where(LoginThrottle.key.in_(keys))
    return await session.scalar(query)


async def throttle_for_update(session: AsyncSession, key: str, now: datetime) -> LoginThrottle:
    """The counter of ``key``, created at zero if missing, locked until the transaction ends."""
    insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    # Insert-or-nothing first: two failures at once must not both try to create the row.
    await session.execute(
        insert(LoginThrottle).values(key=key, failures=0, last_failure_at=now).on_conflict_do_nothing()
    )
    row = await session.scalar(
        select(LoginThrottle)
        .where(LoginThrottle.key == key)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    assert row is not None
    return row


async def delete_throttle(session: AsyncSession, key: str) -> None:
    """Forget the failures of ``key``."""
    await session.execute(delete(LoginThrottle).where(LoginThrottle.key == key))
