"""global budget period: a limit in total or per calendar month (UTC), and when the counted period began

Revision ID: f1a2b3c4d5e6
Revises: b7f3c2a91d40
Create Date: 2026-12-03 08:05:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = 'f1a2b3c4d5e6'
down_revision: str | None = 'b7f3c2a91d40'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('global_budget', schema=None) as batch_op:
        batch_op.add_column(sa.Column('period', sa.String(length=8), server_default='total', nullable=False))
        batch_op.add_column(sa.Column('period_start', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('global_budget', schema=None) as batch_op:
        batch_op.drop_column('period_start')
        batch_op.drop_column('period')
