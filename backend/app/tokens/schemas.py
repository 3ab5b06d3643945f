"""API tokens as the API shows them: the secret only in the answer to their creation."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import Field

from app.kit.schemas import Schema


class TokenCreate(Schema):
    """A name to recognise the token by, and an optional lifetime."""

    name: str = Field(min_length=1, max_length=100, pattern=r"^[^\x00-\x1f\x7f]+$")
    expires_in_days: int | None = Field(default=None, ge=1, le=3650, description="None: never expires")


class TokenRead(Schema):
    """A token without its secret."""

    id: uuid.UUID
    name: str
    prefix: str = Field(description="The token's first characters, to tell tokens apart")
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenCreated(TokenRead):
    """A new token, with its secret: shown this once, never again."""

    token: str = Field(description="Send as 'Authorization: Bearer <token>'; it cannot be shown again")
