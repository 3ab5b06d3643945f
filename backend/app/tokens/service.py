"""Creating, listing and revoking API tokens, and finding the user behind a bearer token."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import security
from app.core.errors import NotFound
from app.models import ApiToken, User
from app.models.base import utcnow
from app.tokens.repository import ApiTokenRepository
from app.tokens.schemas import TokenCreate

TOKEN_PREFIX = "dst_"  # noqa: S105  (marks the format, so leaked tokens are easy to scan for)
PREFIX_SHOWN = len(TOKEN_PREFIX) + 4
# Recording every use would make each read request a write; a minute is precise enough for people.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def new_api_token() -> str:
    """A fresh token: the ``dst_`` prefix and 256 random bits."""
    return TOKEN_PREFIX + security.new_token()


async def create(session: AsyncSession, user: User, body: TokenCreate) -> tuple[ApiToken, str]:
    """A new token for ``user``; returns the row and the secret, which is not stored."""
    secret = new_api_token()
    now = utcnow()
    expires_at = now + timedelta(days=body.expires_in_days) if body.expires_in_days else None
    token = ApiToken(
        user_id=user.id,
        name=body.name,
        token_hash=security.token_hash(secret),
        prefix=secret[:PREFIX_SHOWN],
        created_at=now,
        expires_at=expires_at,
    )
    return await ApiTokenRepository(session).create(token), secret


async def list_own(session: AsyncSession, user: User) -> list[ApiToken]:
    """The caller's tokens."""
    return await ApiTokenRepository(session).list_for_user(user.id)


async def revoke(session: AsyncSession, user: User, token_id: uuid.UUID) -> None:
    """Revoke one of the caller's tokens; another user's token is reported as missing."""
    token = await ApiTokenRepository(session).get_for_user(token_id, user.id)
    if token is None:
        raise NotFound(f"no token {token_id}")
    if token.revoked_at is None:
        token.revoked_at = utcnow()


async def user_for_api_token(session: AsyncSession, secret: str) -> User | None:
    """The active user of a usable token (not revoked, not expired), recording the use."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    now = utcnow()
    found = await ApiTokenRepository(session).find_usable(security.token_hash(secret), now)
    if found is None:
        return None
    token, user = found
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        await ApiTokenRepository(session).mark_used(token.id, now)
    return user
