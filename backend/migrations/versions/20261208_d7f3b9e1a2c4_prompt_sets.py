"""prompt sets: a user's imported prompts, which relabel jobs answer

Revision ID: d7f3b9e1a2c4
Revises: d7f1b3c5e9a2
Create Date: 2026-12-08 05:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d7f3b9e1a2c4"
down_revision: str | None = "d7f1b3c5e9a2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "prompt_sets",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=True),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("file_format", sa.String(length=16), nullable=False),
        sa.Column("mapping", sa.JSON(), nullable=False),
        sa.Column("prompt_count", sa.Integer(), nullable=False),
        sa.Column("duplicate_count", sa.Integer(), nullable=False),
        sa.Column("error_count", sa.Integer(), nullable=False),
        sa.Column("errors", sa.JSON(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_prompt_sets_owner_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prompt_sets")),
    )
    op.create_index(op.f("ix_prompt_sets_name"), "prompt_sets", ["name"], unique=False)
    op.create_index(op.f("ix_prompt_sets_owner_id"), "prompt_sets", ["owner_id"], unique=False)
    op.create_table(
        "prompts",
        sa.Column("prompt_set_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("record", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["prompt_set_id"],
            ["prompt_sets.id"],
            name=op.f("fk_prompts_prompt_set_id_prompt_sets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("prompt_set_id", "position", name=op.f("pk_prompts")),
    )


def downgrade() -> None:
    op.drop_table("prompts")
    op.drop_index(op.f("ix_prompt_sets_owner_id"), table_name="prompt_sets")
    op.drop_index(op.f("ix_prompt_sets_name"), table_name="prompt_sets")
    op.drop_table("prompt_sets")
