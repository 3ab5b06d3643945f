"""SQL for provider credentials."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import ProviderCredential


async def list_credentials(session: AsyncSession) -> list[ProviderCredential]:
    """Every stored credential, by name."""
    return list(await session.scalars(select(ProviderCredential).order_by(ProviderCredential.name)))


async def get(session: AsyncSession, name: str) -> ProviderCredential | None:
    """The stored credential of one provider name."""
    return await session.scalar(select(ProviderCredential).where(ProviderCredential.name == name))


async def add(session: AsyncSession, credential: ProviderCredential) -> ProviderCredential:
    """Store a new credential (flushed)."""
    session.add(credential)
    await session.flush()
    return credential


async def delete(session: AsyncSession, credential: ProviderCredential) -> None:
    """Remove a stored credential."""
    await session.delete(credential)
    await session.flush()
