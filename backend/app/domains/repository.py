"""SQL for user-defined domains."""

from __future__ import annotations

from app.kit.repository import Repository
from app.models import UserDomain


class DomainRepository(Repository[UserDomain]):
    """User-defined domains, keyed by slug."""

    model = UserDomain

    async def list_all(self) -> list[UserDomain]:
        """Every user-defined domain, by id."""
        return await self.list(order_by=[UserDomain.slug])

    async def get_by_slug(self, slug: str) -> UserDomain | None:
        """One user-defined domain by its id."""
        return await self.one_or_none(self.statement().where(UserDomain.slug == slug))
