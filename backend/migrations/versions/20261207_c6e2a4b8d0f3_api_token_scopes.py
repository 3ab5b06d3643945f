"""api token scopes: each token acts with read, write or admin scope, never above its user's role

Tokens made before scopes acted with their user's role, so each gets the scope of that role
(viewer: read, editor: write, admin: admin) and keeps doing exactly what it did.

Revision ID: c6e2a4b8d0f3
Revises: b8d4f6a2c9e1
Create Date: 2026-12-07 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c6e2a4b8d0f3"
down_revision: str | None = "b8d4f6a2c9e1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

api_tokens = sa.table("api_tokens", sa.column("user_id", sa.Uuid()), sa.column("scope", sa.String(16)))
users = sa.table("users", sa.column("id", sa.Uuid()), sa.column("role", sa.String(16)))
SCOPE_OF_ROLE = {"viewer": "read", "editor": "write", "admin": "admin"}
SCOPE = sa.Enum("read", "write", "admin", name="tokenscope", native_enum=False, length=16)


def upgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch:
        batch.add_column(sa.Column("scope", SCOPE, nullable=True))
    role = sa.select(users.c.role).where(users.c.id == api_tokens.c.user_id).scalar_subquery()
    scope = sa.case(SCOPE_OF_ROLE, value=role, else_="read")
    op.execute(api_tokens.update().values(scope=scope))
    with op.batch_alter_table("api_tokens") as batch:
        batch.alter_column("scope", existing_type=SCOPE, nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_column("scope")
