"""API tokens: a user's long-lived credentials for scripts and CI, stored only as hashes."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, IdMixin, utcnow
from app.models.user import Role


class TokenScope(enum.StrEnum):
    """What a token may do at most: ``read`` as a viewer, ``write`` as an editor, ``admin`` as an admin.

    A token never does more than its user's role allows either: it acts with the lesser of the two.
    """

    read = "read"
    write = "write"
    admin = "admin"

    @property
    def role(self) -> Role:
        """The role this scope stands for."""
        return SCOPE_ROLE[self]

    @classmethod
    def of_role(cls, role: Role) -> TokenScope:
        """The scope that allows exactly what ``role`` allows."""
        return next(scope for scope, same in SCOPE_ROLE.items() if same is role)


SCOPE_ROLE = {TokenScope.read: Role.viewer, TokenScope.write: Role.editor, TokenScope.admin: Role.admin}
# Roles and scopes from least to most: a caller acts with the lower of its role and its token's scope.
ROLE_RANK = {Role.viewer: 0, Role.editor: 1, Role.admin: 2}


def lesser_role(first: Role, second: Role) -> Role:
    """The role that allows less of the two."""
    return min(first, second, key=ROLE_RANK.__getitem__)


class ApiToken(IdMixin, Base):
    """A bearer token (``dst_...``) that acts with its scope, never above its user's role; shown once."""

    __tablename__ = "api_tokens"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The first characters of the token, so people can tell their tokens apart; too short to use.
    prefix: Mapped[str] = mapped_column(String(16))
    scope: Mapped[TokenScope] = mapped_column(Enum(TokenScope, native_enum=False, length=16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(default=None)
    last_used_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
