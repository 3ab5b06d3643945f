"""SQL for API tokens."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import ApiToken, User


async def add_token(session: AsyncSession, token: ApiToken) -> ApiToken:
    """Store a new token (flushed, so its id and defaults are set)."""
    session.add(token)
    await session.flush()
    return token


async def list_for_user(session: AsyncSession, user_id: uuid.UUID) -> list[ApiToken]:
    """Every token of one user, newest first (revoked ones included)."""
    rows = await session.scalars(
        select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.created_at.desc())
    )
    return list(rows)


async def get_for_user(session: AsyncSession, token_id: uuid.UUID, user_id: uuid.UUID) -> ApiToken | None:
    """One token, only if it belongs to ``user_id``."""
    return await session.scalar(select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user_id))


async def find_usable(session: AsyncSession, token_hash: str, now: datetime) -> tuple[ApiToken, User] | None:
    """The token with this hash and its user, if neither revoked, expired nor deactivated."""
    row = (
        await session.execute(
            select(ApiToken, User)
            .join(User, User.id == ApiToken.user_id)
            .where(
                ApiToken.token_hash == token_hash,
                ApiToken.revoked_at.is_(None),
                or_(ApiToken.expires_at.is_(None), ApiToken.expires_at > now),
                User.is_active.is_(True),
            )
        )
    ).first()
    return None if row is None else (row[0], row[1])


async def mark_used(session: AsyncSession, token_id: uuid.UUID, now: datetime) -> None:
    """Record that a token was just used."""
    await session.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now))
