"""SQL for users (their login sessions: ``app.auth.repository``)."""

from __future__ import annotations

from sqlalchemy import func, or_

from app.kit.pagination import Pagination
from app.kit.repository import Repository
from app.models import Role, User


class UserRepository(Repository[User]):
    """Users, looked up by id or e-mail."""

    model = User

    async def page_by_email(self, pagination: Pagination) -> tuple[list[User], int]:
        """One page of users by e-mail, and the total."""
        return await self.paginate(self.statement(), pagination, order_by=[User.email])

    async def get_by_email(self, email: str) -> User | None:
        """A user by e-mail (case-insensitive)."""
        # SQLite's lower() folds ASCII only: the exact match finds non-ASCII addresses there too.
        same = or_(User.email == email, func.lower(User.email) == email.lower())
        return await self.one_or_none(self.statement().where(same))

    async def add_user(self, email: str, password_hash: str, role: Role) -> User:
        """A new user (flushed)."""
        return await self.create(User(email=email, password_hash=password_hash, role=role))

    async def count_active_admins(self) -> int:
        """How many active admins exist."""
        return await self.count(self.statement().where(User.role == Role.admin, User.is_active.is_(True)))
