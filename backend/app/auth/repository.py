"""SQL for dashboard login sessions and failed-login counters (users themselves: ``app.users.repository``)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.kit.repository import Repository
from app.models import LoginThrottle, User, UserSession


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


class LoginThrottleRepository(Repository[LoginThrottle]):
    """Failed-login counters by key (an account or a client address) in embedded mode."""

    model = LoginThrottle

    async def locked_until(self, keys: list[str]) -> datetime | None:
        """The latest lock end among ``keys`` (None when none of them is locked)."""
        return await self.one_or_none(
            select(func.max(LoginThrottle.locked_until)).where(LoginThrottle.key.in_(keys))
        )

    async def for_update(self, key: str, now: datetime) -> LoginThrottle:
        """The counter of ``key``, created at zero if missing, locked until the transaction ends."""
        postgres = self.session.get_bind().dialect.name == "postgresql"
        insert = postgresql_insert if postgres else sqlite_insert
        # Insert-or-nothing first: two failures at once must not both try to create the row.
        await self.session.execute(
            insert(LoginThrottle).values(key=key, failures=0, last_failure_at=now).on_conflict_do_nothing()
        )
        row = await self.one_or_none(
            select(LoginThrottle)
            .where(LoginThrottle.key == key)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        assert row is not None
        return row

    async def forget(self, key: str) -> None:
        """Forget the failures of ``key``."""
        await self.delete_where(LoginThrottle.key == key)
