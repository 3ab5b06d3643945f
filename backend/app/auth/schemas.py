"""Login and the current user."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import Field

from app.kit.schemas import Schema
from app.models import Role


class LoginRequest(Schema):
    """E-mail and password."""

    email: str = Field(min_length=3, max_length=320)
    password: str = Field(min_length=1, max_length=1024)


class UserRead(Schema):
    """A user as the API shows it (never the password hash)."""

    id: uuid.UUID
    email: str
    role: Role
    is_active: bool
    created_at: datetime
