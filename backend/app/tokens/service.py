"""Creating, listing and revoking API tokens, and finding the user behind a bearer token."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import security
from app.core.errors import Forbidden, NotFound
from app.models import ApiToken, TokenScope, User
from app.models.api_token import ROLE_RANK
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


async def create(
    session: AsyncSession, user: User, body: TokenCreate, minted_by: ApiToken | None = None
) -> tuple[ApiToken, str]:
    """A new token for ``user``; returns the row and the secret, which is not stored.

    ``user.role`` is the role the request acts with (already lowered by ``minted_by``'s scope, the
    token of the request if any): the new token gets no more scope than that role, and no later
    expiry than ``minted_by``.
    """
    now = utcnow()
    scope = _allowed_scope(user, body.scope, minted_by)
    expires_at = now + timedelta(days=body.expires_in_days) if body.expires_in_days else None
    _check_expiry(expires_at, minted_by)
    secret = new_api_token()
    token = ApiToken(
        user_id=user.id,
        name=body.name,
        token_hash=security.token_hash(secret),
        prefix=secret[:PREFIX_SHOWN],
        scope=scope,
        created_at=now,
        expires_at=expires_at,
    )
    return await ApiTokenRepository(session).create(token), secret


def _allowed_scope(user: User, wanted: TokenScope | None, minted_by: ApiToken | None) -> TokenScope:
    most = TokenScope.of_role(user.role)
    if wanted is None:
        return most
    if ROLE_RANK[wanted.role] <= ROLE_RANK[most.role]:
        return wanted
    if minted_by is not None and ROLE_RANK[minted_by.scope.role] < ROLE_RANK[wanted.role]:
        raise Forbidden(f"a token with scope {minted_by.scope} cannot make a token with scope {wanted}")
    raise Forbidden(f"role {user.role} can give a token scope {most} at most, not {wanted}")


def _check_expiry(expires_at: datetime | None, minted_by: ApiToken | None) -> None:
    limit = minted_by.expires_at if minted_by is not None else None
    if limit is None:
        return
    if expires_at is None or expires_at > limit:
        raise Forbidden(
            f"this API token expires at {limit.isoformat()}; a token it makes must expire no later "
            f"(at most {max((limit - utcnow()).days, 0)} days from now)"
        )


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


async def revoke_all(session: AsyncSession, user_id: uuid.UUID) -> None:
    """Revoke every token of a user that is not revoked yet."""
    await ApiTokenRepository(session).revoke_all_for_user(user_id, utcnow())


async def token_and_user(session: AsyncSession, secret: str) -> tuple[ApiToken, User] | None:
    """A usable token (not revoked, not expired) and its active user, recording the use."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    now = utcnow()
    found = await ApiTokenRepository(session).find_usable(security.token_hash(secret), now)
    if found is None:
        return None
    token, user = found
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        await ApiTokenRepository(session).mark_used(token.id, now)
    return token, user
