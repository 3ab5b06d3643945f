"""API tokens as the API shows them: the secret only in the answer to their creation."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import Field

from app.kit.schemas import Schema
from app.models import TokenScope


class TokenCreate(Schema):
    """A name to recognise the token by, what it may do, and an optional lifetime."""

    name: str = Field(min_length=1, max_length=100, pattern=r"^[^\x00-\x1f\x7f]+$")
    scope: TokenScope | None = Field(
        default=None,
        description="read: as a viewer; write: as an editor; admin: as an admin. Never above the "
        "caller's role, nor above the scope of the token that makes the request. None: the most the "
        "caller may give",
    )
    expires_in_days: int | None = Field(
        default=None,
        ge=1,
        le=3650,
        description="None: never expires. A request made with an expiring token must expire no later",
    )


class TokenRead(Schema):
    """A token without its secret."""

    id: uuid.UUID
    name: str
    prefix: str = Field(description="The token's first characters, to tell tokens apart")
    scope: TokenScope = Field(description="The most it may do; it never acts above its user's role")
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenCreated(TokenRead):
    """A new token, with its secret: shown this once, never again."""

    token: str = Field(description="Send as 'Authorization: Bearer <token>'; it cannot be shown again")
