"""task specs: versioned, stored as JSON; a job records the id and version it used

Revision ID: a9c1e3f5b7d2
Revises: f4b6d8a0c2e3
Create Date: 2026-12-10 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a9c1e3f5b7d2"
down_revision: str | None = "f4b6d8a0c2e3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "task_specs",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("spec", sa.JSON(), nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_task_specs_author_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", "version", name=op.f("pk_task_specs")),
    )
    op.create_index(op.f("ix_task_specs_name"), "task_specs", ["name"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_task_specs_name"), table_name="task_specs")
    op.drop_table("task_specs")
