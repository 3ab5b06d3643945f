"""Providers, their credentials (write-only keys: only the last 4 characters come back) and models."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import Field, SecretStr, field_validator

from app.core.config import MAX_CONCURRENCY, MAX_RPM, MAX_TPM
from app.kit.schemas import Schema

ProviderKind = Literal["openai", "anthropic", "google", "groq", "openai-compatible"]
NAME_PATTERN = r"^[a-z][a-z0-9-]{0,39}$"
URL_PATTERN = r"^\s*[^\x00-\x20\x7f]+\s*$"
CredentialSource = Literal["stored", "environment", "bundled", "none"]
# fine_tuned: made by a provider fine-tune run of this platform (see app.provider_finetune).
ModelSource = Literal["provider", "price_table", "bundled", "fine_tuned"]
# Where an effective limit comes from: set in Settings → Providers (or the API), the .env defaults,
# learned from the provider's rate-limit headers, or nowhere (no limit but the provider's 429s).
LimitSource = Literal["set", "env", "learned", "none"]
# The model part of a model id ("gpt-4o-mini", "llama3.1:8b"): printable, no spaces; "*" is every model.
MODEL_PATTERN = r"^[^\x00-\x20\x7f*][^\x00-\x20\x7f]*$"


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
    limits: ProviderLimits | None = Field(
        default=None, description="Rate limits set and in effect; None for the bundled local model"
    )


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


class LimitValues(Schema):
    """Rate limits of a provider or one of its models; a field left out (null) is not set here."""

    rpm: int | None = Field(default=None, ge=1, le=MAX_RPM, description="Requests per minute")
    tpm: int | None = Field(
        default=None, ge=1, le=MAX_TPM, description="Tokens per minute, input and output together"
    )
    max_concurrency: int | None = Field(
        default=None, ge=1, le=MAX_CONCURRENCY, description="Requests in flight at once, per worker process"
    )

    def is_empty(self) -> bool:
        """Whether no field is set."""
        return self.rpm is None and self.tpm is None and self.max_concurrency is None


class ModelLimits(LimitValues):
    """Limits of one model of the provider, over the provider's own."""

    model: str = Field(
        min_length=1, max_length=200, pattern=MODEL_PATTERN, description="The model part of the model id"
    )


class ProviderLimitsWrite(Schema):
    """Every limit of one provider: replaces what was set (models not sent lose their limits)."""

    default: LimitValues = Field(
        default_factory=LimitValues, description="Limits of every model of the provider without its own"
    )
    models: list[ModelLimits] = Field(default_factory=list, max_length=200)

    @field_validator("models")
    @classmethod
    def _one_row_per_model(cls, value: list[ModelLimits]) -> list[ModelLimits]:
        seen: set[str] = set()
        for row in value:
            if row.model in seen:
                raise ValueError(f"model {row.model} is listed twice")
            seen.add(row.model)
        return value


class EffectiveValue(Schema):
    """One limit in effect and where it comes from."""

    value: int | None
    source: LimitSource


class LearnedLimits(Schema):
    """Limits learned from the provider's rate-limit headers (shared by every worker)."""

    rpm: int | None = None
    tpm: int | None = None
    updated_at: datetime | None = None


class EffectiveLimits(Schema):
    """The limits a job's requests to one model get, field by field: set > .env default > learned."""

    model: str = Field(description="The model part of the model id; '*': models without their own limits")
    rpm: EffectiveValue
    tpm: EffectiveValue
    max_concurrency: EffectiveValue
    learned: LearnedLimits | None = None


class ProviderLimits(Schema):
    """What is set for a provider, and what is in effect for its models."""

    provider: str
    default: LimitValues
    models: list[ModelLimits]
    effective: list[EffectiveLimits]
    updated_at: datetime | None = None


ProviderRead.model_rebuild()
