"""Task specs stored by the service: every save is a new version, and old versions stay readable.

One row per (spec, version): ``id`` names the spec across its versions, ``version`` counts its saves
from 1. The spec itself is the library's ``TaskSpec`` as JSON, its ``version`` field set to the row's
version, so every row a job writes records ``{name, version, builtin: false}`` in its provenance.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, utcnow


class TaskSpecVersion(Base):
    """One saved version of a task spec."""

    __tablename__ = "task_specs"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), index=True)
    spec: Mapped[dict[str, Any]] = mapped_column(JSON)
    author_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
