"""SQL for provider credentials and provider rate limits."""

from __future__ import annotations

from collections.abc import Iterable

from app.kit.repository import Repository
from app.models import ProviderCredential, ProviderLimit
from app.models.provider import HUB_CREDENTIAL


class ProviderCredentialRepository(Repository[ProviderCredential]):
    """Stored provider credentials, one per provider name."""

    model = ProviderCredential

    async def list_all(self) -> list[ProviderCredential]:
        """Every stored provider credential, by name (not the Hub token's)."""
        rows = await self.list(order_by=[ProviderCredential.name])
        return [row for row in rows if row.name != HUB_CREDENTIAL]

    async def get_by_name(self, name: str) -> ProviderCredential | None:
        """The stored credential of one provider name."""
        return await self.one_or_none(self.statement().where(ProviderCredential.name == name))


class ProviderLimitRepository(Repository[ProviderLimit]):
    """Rate limits set per provider name: its default row (model ``*``) and per-model rows."""

    model = ProviderLimit

    async def for_providers(self, names: Iterable[str]) -> list[ProviderLimit]:
        """The rows of the given provider names, by provider and model."""
        wanted = sorted(set(names))
        if not wanted:
            return []
        return await self.list(
            ProviderLimit.provider.in_(wanted), order_by=[ProviderLimit.provider, ProviderLimit.model]
        )
