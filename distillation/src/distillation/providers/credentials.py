"""Credentials handed to a provider by the caller (the library reads no environment variables)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from distillation.providers.errors import ConfigurationError, MissingCredentialsError

if TYPE_CHECKING:
    from distillation.providers.guard import AddressGuard


@dataclass(frozen=True)
class Credentials:
    """Key and endpoint for one provider account.

    Attributes:
        api_key: The secret key (kept out of `repr`).
        base_url: Endpoint override (required for `openai-compatible`).
        organization: OpenAI organization id.
        project: OpenAI project id.
        headers: Extra HTTP headers sent with every request.
        address_guard: Checks every address the client connects to (see `providers.guard`); None
            connects anywhere the URL leads.
    """

    api_key: str | None = field(default=None, repr=False)
    base_url: str | None = None
    organization: str | None = None
    project: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    address_guard: AddressGuard | None = field(default=None, repr=False)

    @classmethod
    def coerce(cls, value: Credentials | Mapping[str, Any] | None) -> Credentials:
        """Accepts a `Credentials`, a plain mapping with the same keys, or `None`."""
        if value is None:
            return cls()
        if isinstance(value, Credentials):
            return value
        unknown = set(value) - {"api_key", "base_url", "organization", "project", "headers", "address_guard"}
        if unknown:
            raise ConfigurationError(f"Unknown credential fields: {sorted(unknown)}")
        return cls(**dict(value))

    def require_key(self, provider: str, setting: str) -> str:
        """Returns the API key or raises an error naming the setting to set."""
        if not self.api_key:
            raise MissingCredentialsError(provider, setting)
        return self.api_key

    def require_base_url(self, provider: str, setting: str) -> str:
        """Returns the base URL or raises an error naming the setting to set."""
        if not self.base_url:
            raise MissingCredentialsError(provider, setting, field="base_url")
        return self.base_url
