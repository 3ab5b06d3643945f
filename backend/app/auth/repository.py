"""SQL for dashboard login sessions (users themselves: ``app.users.repository``)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select

from app.kit.repository import Repository
from app.models import User, UserSession


class UserSessionRepository(Repository[UserSession]):
    """Login sessions, found by the hash of their cookie token."""

    model = UserSession

    async def add_session(
        self, user_id: uuid.UUID, token_hash: str, created_at: datetime, expires_at: datetime
    ) -> None:
        """A new login session."""
        row = UserSession(
            user_id=user_id, token_hash=token_hash, created_at=created_at, expires_at=expires_at
        )
        await self.create(row, flush=False)

    async def user_for_session(self, token_hash: str, now: datetime) -> User | None:
        """The active user of an unexpired session."""
        return await self.one_or_none(
            select(User)
            .join(UserSession, UserSession.user_id == User.id)
            .where(
                UserSession.token_hash == token_hash, UserSession.expires_at > now, User.is_active.is_(True)
            )
        )

    async def delete_session(self, token_hash: str) -> None:
        """End a login session."""
        await self.delete_where(UserSession.token_hash == token_hash)

    async def end_sessions(self, user_id: uuid.UUID, keep_hash: str | None = None) -> None:
        """End a user's dashboard sessions, except the one whose token hash is ``keep_hash``."""
        kept = () if keep_hash is None else (UserSession.token_hash != keep_hash,)
        await self.delete_where(UserSession.user_id == user_id, *kept)
