"""People who use the dashboard and the API, and their login sessions."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, IdMixin, TimestampMixin


class Role(enum.StrEnum):
    """What a user may do: viewers read, editors change data, admins also manage users and keys."""

    admin = "admin"
    editor = "editor"
    viewer = "viewer"


class User(IdMixin, TimestampMixin, Base):
    """A person with a login."""

    __tablename__ = "users"

    email: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(Enum(Role, native_enum=False, length=16), default=Role.viewer)
    is_active: Mapped[bool] = mapped_column(default=True)


class UserSession(IdMixin, Base):
    """A dashboard login: the cookie holds a random token, the table only its hash."""

    __tablename__ = "user_sessions"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class LoginThrottle(Base):
    """Failed logins of one account or one client address, in embedded mode (Redis keeps them otherwise)."""

    __tablename__ = "login_throttles"

    key: Mapped[str] = mapped_column(String(400), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    last_failure_at: Mapped[datetime]
    locked_until: Mapped[datetime | None] = mapped_column(default=None)
