"""finetune runs

Revision ID: e74a1c9d3f52
Revises: d52e8f3b0c21
Create Date: 2026-11-22 06:35:31.761559
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = 'e74a1c9d3f52'
down_revision: str | None = 'd52e8f3b0c21'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('finetune_runs',
    sa.Column('dataset_id', sa.Uuid(), nullable=False),
    sa.Column('dataset_version', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Uuid(), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('status', sa.Enum('queued', 'running', 'evaluating', 'completed', 'failed', 'cancelled', name='runstatus', native_enum=False, length=16), nullable=False),
    sa.Column('stop_requested', sa.Boolean(), nullable=False),
    sa.Column('config', sa.JSON(), nullable=False),
    sa.Column('evaluation_config', sa.JSON(), nullable=True),
    sa.Column('step', sa.Integer(), nullable=False),
    sa.Column('total_steps', sa.Integer(), nullable=True),
    sa.Column('train_loss', sa.Float(), nullable=True),
    sa.Column('eval_loss', sa.Float(), nullable=True),
    sa.Column('tokens_per_s', sa.Float(), nullable=True),
    sa.Column('curve', sa.JSON(), nullable=False),
    sa.Column('result', sa.JSON(), nullable=True),
    sa.Column('evaluation', sa.JSON(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['dataset_id'], ['datasets.id'], name=op.f('fk_finetune_runs_dataset_id_datasets'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_finetune_runs_owner_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_finetune_runs'))
    )
    with op.batch_alter_table('finetune_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_finetune_runs_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_finetune_runs_dataset_id'), ['dataset_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_finetune_runs_status'), ['status'], unique=False)

def downgrade() -> None:
    with op.batch_alter_table('finetune_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_finetune_runs_status'))
        batch_op.drop_index(batch_op.f('ix_finetune_runs_dataset_id'))
        batch_op.drop_index(batch_op.f('ix_finetune_runs_created_at'))

    op.drop_table('finetune_runs')
