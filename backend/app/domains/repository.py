"""SQL for user-defined domains."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import UserDomain


async def list_all(session: AsyncSession) -> list[UserDomain]:
    """Every user-defined domain, by id."""
    return list(await session.scalars(select(UserDomain).order_by(UserDomain.slug)))


async def get(session: AsyncSession, slug: str) -> UserDomain | None:
    """One user-defined domain by its id."""
    return await session.scalar(select(UserDomain).where(UserDomain.slug == slug))


async def add(session: AsyncSession, domain: UserDomain) -> UserDomain:
    """Store a new domain (flushed)."""
    session.add(domain)
    await session.flush()
    return domain


async def delete(session: AsyncSession, domain: UserDomain) -> None:
    """Remove a domain."""
    await session.delete(domain)
    await session.flush()
