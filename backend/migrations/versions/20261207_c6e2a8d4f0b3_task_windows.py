"""task windows: per-minute background task counters of users (embedded mode)

Revision ID: c6e2a8d4f0b3
Revises: c6e2a4b8d0f3
Create Date: 2026-12-07 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c6e2a8d4f0b3"
down_revision: str | None = "c6e2a4b8d0f3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "task_windows",
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_task_windows")),
    )


def downgrade() -> None:
    op.drop_table("task_windows")
