"""SQL for managing users (logins and sessions are in ``app.auth.repository``)."""

from __future__ import annotations

import uuid

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Role, User, UserSession


async def list_users(session: AsyncSession, offset: int, limit: int) -> tuple[list[User], int]:
    """One page of users by e-mail, and the total."""
    total = int(await session.scalar(select(func.count()).select_from(User)) or 0)
    rows = await session.scalars(select(User).order_by(User.email).offset(offset).limit(limit))
    return list(rows), total


async def get(session: AsyncSession, user_id: uuid.UUID) -> User | None:
    """A user by id."""
    return await session.get(User, user_id)


async def count_active_admins(session: AsyncSession) -> int:
    """How many active admins exist."""
    query = select(func.count()).select_from(User).where(User.role == Role.admin, User.is_active.is_(True))
    return int(await session.scalar(query) or 0)


async def delete_user(session: AsyncSession, user: User) -> None:
    """Delete a user (their sessions and tokens go with them; their datasets stay, without owner)."""
    await session.delete(user)
    await session.flush()


async def end_sessions(session: AsyncSession, user_id: uuid.UUID, keep_hash: str | None = None) -> None:
    """End a user's dashboard sessions, except the one whose token hash is ``keep_hash``."""
    query = delete(UserSession).where(UserSession.user_id == user_id)
    if keep_hash is not None:
        query = query.where(UserSession.token_hash != keep_hash)
    await session.execute(query)
