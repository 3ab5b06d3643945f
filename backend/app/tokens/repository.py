"""SQL for API tokens."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import or_, select

from app.kit.repository import Repository
from app.models import ApiToken, User


class ApiTokenRepository(Repository[ApiToken]):
    """API tokens, found by owner or by the hash of their secret."""

    model = ApiToken

    async def list_for_user(self, user_id: uuid.UUID) -> list[ApiToken]:
        """Every token of one user, newest first (revoked ones included)."""
        return await self.list(ApiToken.user_id == user_id, order_by=[ApiToken.created_at.desc()])

    async def get_for_user(self, token_id: uuid.UUID, user_id: uuid.UUID) -> ApiToken | None:
        """One token, only if it belongs to ``user_id``."""
        return await self.one_or_none(
            self.statement().where(ApiToken.id == token_id, ApiToken.user_id == user_id)
        )

    async def find_usable(self, token_hash: str, now: datetime) -> tuple[ApiToken, User] | None:
        """The token with this hash and its user, if neither revoked, expired nor deactivated."""
        row = (
            await self.session.execute(
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

    async def mark_used(self, token_id: uuid.UUID, now: datetime) -> None:
        """Record that a token was just used."""
        await self.update_where(ApiToken.id == token_id, last_used_at=now)

    async def revoke_all_for_user(self, user_id: uuid.UUID, now: datetime) -> None:
        """Revoke every token of one user that is not revoked yet."""
        await self.update_where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None), revoked_at=now)
