"""Provider credentials (API keys encrypted at rest, base URLs) and the rate limits set per provider."""

from __future__ import annotations

import uuid

from sqlalchemy import BigInteger, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, IdMixin, TimestampMixin


class ProviderCredential(IdMixin, TimestampMixin, Base):
    """The key and endpoint of one provider account, or of one named OpenAI-compatible server.

    ``name`` is the provider part of the model ids that use it (``openai`` for ``openai:gpt-4o-mini``,
    ``ollama`` for ``ollama:llama3.1``); ``provider`` is the kind of API it speaks.
    """

    __tablename__ = "provider_credentials"

    name: Mapped[str] = mapped_column(String(40), unique=True)
    provider: Mapped[str] = mapped_column(String(32))
    base_url: Mapped[str | None] = mapped_column(String(2048), default=None)
    # Fernet token of the key; None for servers that need no key (Ollama, llama.cpp server).
    encrypted_key: Mapped[str | None] = mapped_column(Text, default=None)
    key_last4: Mapped[str | None] = mapped_column(String(4), default=None)
    updated_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )


EVERY_MODEL = "*"
# The stored credential that holds the Hugging Face Hub token (not a model provider: left out of theirs).
HUB_CREDENTIAL = "huggingface"


class ProviderLimit(IdMixin, TimestampMixin, Base):
    """Rate limits an admin set for one provider name: its default (``model == "*"``) or one model's.

    Keyed by the provider name, not by a stored credential, so that providers whose key comes from the
    environment get limits too, and deleting a key keeps them. ``None`` fields are not set here: the
    provider's default, the ``.env`` default or the limits learned from the provider's headers apply.
    """

    __tablename__ = "provider_limits"
    __table_args__ = (UniqueConstraint("provider", "model"),)

    provider: Mapped[str] = mapped_column(String(40))
    model: Mapped[str] = mapped_column(String(200), default=EVERY_MODEL)
    requests_per_minute: Mapped[int | None] = mapped_column(default=None)
    tokens_per_minute: Mapped[int | None] = mapped_column(BigInteger, default=None)
    max_concurrency: Mapped[int | None] = mapped_column(default=None)
    updated_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
