"""Providers, their credentials (write-only keys: only the last 4 characters come back) and models."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import Field, SecretStr, field_validator

from app.kit.schemas import Schema

ProviderKind = Literal["openai", "anthropic", "google", "groq", "openai-compatible"]
NAME_PATTERN = r"^[a-z][a-z0-9-]{0,39}$"
URL_PATTERN = r"^\s*[^\x00-\x20\x7f]+\s*$"
CredentialSource = Literal["stored", "environment", "bundled", "none"]
ModelSource = Literal["provider", "price_table", "bundled"]


class ProviderWrite(Schema):
    """Credentials to store for a provider; fields not sent stay as they are.

    ``api_key`` is write-only: no answer ever contains it, only its last 4 characters.
    """

    provider: ProviderKind | None = Field(
        default=None,
        description="The API it speaks; defaults to the name for built-in providers, else openai-compatible",
    )
    api_key: SecretStr | None = Field(default=None, min_length=1, max_length=1000)
    base_url: str | None = Field(
        default=None,
        max_length=2048,
        pattern=URL_PATTERN,
        description="Endpoint override; required for openai-compatible servers (e.g. http://host:11434/v1)",
    )

    @field_validator("api_key")
    @classmethod
    def _printable_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return None
        key = value.get_secret_value().strip()
        if not key or not all("!" <= c <= "~" for c in key):
            # The message never quotes the value: validation errors must not echo a key.
            raise ValueError("api_key must be printable ASCII without spaces")
        return SecretStr(key)


class ProviderRead(Schema):
    """A provider as everyone logged in sees it: where its credentials come from, never the key."""

    name: str = Field(description="The provider part of model ids: '<name>:<model>'")
    provider: ProviderKind | Literal["local"]
    source: CredentialSource
    configured: bool
    base_url: str | None = None
    key_last4: str | None = Field(default=None, description="The last 4 characters of the key")
    updated_at: datetime | None = None


class ConnectionTestRequest(Schema):
    """Optionally a model to send a 1-token request to; without one, the model list is fetched."""

    model: str | None = Field(default=None, min_length=1, max_length=200, pattern=r"^[^\s]+$")


class ConnectionTest(Schema):
    """Whether the provider accepted the stored credentials; the message never contains the key."""

    ok: bool
    message: str
    latency_ms: int | None = None


class ModelInfo(Schema):
    """A model that can be named in a job, with its price when the price table knows it."""

    id: str = Field(description="'provider:model', as jobs name it")
    source: ModelSource
    input_per_mtok: Decimal | None = Field(default=None, description="US dollars per 1M input tokens")
    output_per_mtok: Decimal | None = Field(default=None, description="US dollars per 1M output tokens")


class ModelList(Schema):
    """The models of one provider: from the provider when reachable, plus the price table's."""

    provider: str
    reachable: bool | None = Field(description="None when the provider was not asked")
    error: str | None = None
    models: list[ModelInfo]
