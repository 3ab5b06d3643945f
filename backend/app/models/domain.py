"""Scenario domains that users add next to the built-in ones of the library."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, IdMixin, TimestampMixin


class UserDomain(IdMixin, TimestampMixin, Base):
    """A user-defined domain: its id in scenario configs and its spec, as the library's ``DomainSpec``."""

    __tablename__ = "user_domains"

    slug: Mapped[str] = mapped_column(String(64), unique=True)
    spec: Mapped[dict[str, Any]] = mapped_column(JSON)
    owner_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True, default=None
    )
