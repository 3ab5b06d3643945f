"""SQL for provider credentials."""

from __future__ import annotations

from app.kit.repository import Repository
from app.models import ProviderCredential


class ProviderCredentialRepository(Repository[ProviderCredential]):
    """Stored provider credentials, one per provider name."""

    model = ProviderCredential

    async def list_all(self) -> list[ProviderCredential]:
        """Every stored credential, by name."""
        return await self.list(order_by=[ProviderCredential.name])

    async def get_by_name(self, name: str) -> ProviderCredential | None:
        """The stored credential of one provider name."""
        return await self.one_or_none(self.statement().where(ProviderCredential.name == name))
