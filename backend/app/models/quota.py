"""Per-minute task counters of users, in embedded mode (Redis keeps them otherwise)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class TaskWindow(Base):
    """The tasks one user started in the window that began at ``started_at`` (one minute long)."""

    __tablename__ = "task_windows"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    started_at: Mapped[datetime]
    count: Mapped[int] = mapped_column(default=0)
