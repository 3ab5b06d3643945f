"""finetune gold set: a dataset version a run is also evaluated on

Revision ID: c3e19a7d5b20
Revises: 2505226e4377
Create Date: 2026-12-13 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c3e19a7d5b20"
down_revision: str | None = "2505226e4377"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("finetune_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("gold_dataset_id", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("gold_dataset_version", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_finetune_runs_gold_dataset_id_datasets"),
            "datasets",
            ["gold_dataset_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("finetune_runs", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_finetune_runs_gold_dataset_id_datasets"), type_="foreignkey")
        batch_op.drop_column("gold_dataset_version")
        batch_op.drop_column("gold_dataset_id")
