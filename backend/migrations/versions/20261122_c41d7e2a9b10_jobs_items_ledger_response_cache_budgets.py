"""jobs, items, ledger, response cache, budgets

Revision ID: c41d7e2a9b10
Revises: ae50eba825af
Create Date: 2026-11-22 05:39:24.352697
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = 'c41d7e2a9b10'
down_revision: str | None = 'ae50eba825af'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('global_budget',
    sa.Column('id', sa.String(length=16), nullable=False),
    sa.Column('limit_usd', sa.Numeric(precision=18, scale=8), nullable=True),
    sa.Column('spent_usd', sa.Numeric(precision=18, scale=8), nullable=False),
    sa.Column('reserved_usd', sa.Numeric(precision=18, scale=8), nullable=False),
    sa.Column('unknown_usd', sa.Numeric(precision=18, scale=8), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_global_budget'))
    )
    op.create_table('response_cache',
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('model_id', sa.String(length=264), nullable=False),
    sa.Column('response', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('fingerprint', name=op.f('pk_response_cache'))
    )
    op.create_table('jobs',
    sa.Column('kind', sa.Enum('generate', 'quality', name='jobkind', native_enum=False, length=16), nullable=False),
    sa.Column('status', sa.Enum('pending', 'running', 'paused', 'completed', 'failed', 'cancelled', name='jobstatus', native_enum=False, length=16), nullable=False),
    sa.Column('pause_reason', sa.String(length=200), nullable=True),
    sa.Column('dataset_id', sa.Uuid(), nullable=False),
    sa.Column('owner_id', sa.Uuid(), nullable=True),
    sa.Column('config', sa.JSON(), nullable=False),
    sa.Column('stage', sa.String(length=32), nullable=False),
    sa.Column('requested', sa.Integer(), nullable=False),
    sa.Column('budget_usd', sa.Numeric(precision=18, scale=8), nullable=True),
    sa.Column('spent_usd', sa.Numeric(precision=18, scale=8), nullable=False),
    sa.Column('reserved_usd', sa.Numeric(precision=18, scale=8), nullable=False),
    sa.Column('unknown_usd', sa.Numeric(precision=18, scale=8), nullable=False),
    sa.Column('policy', sa.JSON(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('progressed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['dataset_id'], ['datasets.id'], name=op.f('fk_jobs_dataset_id_datasets'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_jobs_owner_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_jobs'))
    )
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_jobs_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_jobs_dataset_id'), ['dataset_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_jobs_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_jobs_status'), ['status'], unique=False)

    op.create_table('example_bands',
    sa.Column('example_id', sa.Uuid(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('dataset_id', sa.Uuid(), nullable=False),
    sa.Column('band', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['example_id'], ['examples.id'], name=op.f('fk_example_bands_example_id_examples'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('example_id', 'position', name=op.f('pk_example_bands'))
    )
    with op.batch_alter_table('example_bands', schema=None) as batch_op:
        batch_op.create_index('ix_example_bands_lookup', ['dataset_id', 'band'], unique=False)

    op.create_table('job_items',
    sa.Column('job_id', sa.Uuid(), nullable=False),
    sa.Column('item_key', sa.String(length=64), nullable=False),
    sa.Column('stage', sa.String(length=32), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('chunk', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'leased', 'done', 'rejected', 'failed', name='itemstatus', native_enum=False, length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('variant', sa.Integer(), nullable=False),
    sa.Column('lease_owner', sa.String(length=255), nullable=True),
    sa.Column('lease_expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('fence', sa.Integer(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('result', sa.JSON(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['job_id'], ['jobs.id'], name=op.f('fk_job_items_job_id_jobs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job_items')),
    sa.UniqueConstraint('job_id', 'item_key', name='uq_job_items_job_key')
    )
    with op.batch_alter_table('job_items', schema=None) as batch_op:
        batch_op.create_index('ix_job_items_claim', ['job_id', 'stage', 'status', 'chunk'], unique=False)
        batch_op.create_index('ix_job_items_lease', ['status', 'lease_expires_at'], unique=False)

    op.create_table('llm_calls',
    sa.Column('job_id', sa.Uuid(), nullable=True),
    sa.Column('item_id', sa.Uuid(), nullable=True),
    sa.Column('dataset_id', sa.Uuid(), nullable=True),
    sa.Column('item_key', sa.String(length=64), nullable=True),
    sa.Column('stage', sa.String(length=32), nullable=False),
    sa.Column('provider', sa.String(length=64), nullable=False),
    sa.Column('model', sa.String(length=200), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('attempt', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('reserved', 'settled', 'unknown', name='callstatus', native_enum=False, length=16), nullable=False),
    sa.Column('outcome', sa.String(length=32), nullable=True),
    sa.Column('reserved_usd', sa.Numeric(precision=18, scale=8), nullable=False),
    sa.Column('cost_usd', sa.Numeric(precision=18, scale=8), nullable=True),
    sa.Column('input_tokens', sa.Integer(), nullable=True),
    sa.Column('output_tokens', sa.Integer(), nullable=True),
    sa.Column('cached_tokens', sa.Integer(), nullable=True),
    sa.Column('latency_ms', sa.Integer(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('settled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['dataset_id'], ['datasets.id'], name=op.f('fk_llm_calls_dataset_id_datasets'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['job_id'], ['jobs.id'], name=op.f('fk_llm_calls_job_id_jobs'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_llm_calls'))
    )
    with op.batch_alter_table('llm_calls', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_llm_calls_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_llm_calls_dataset_id'), ['dataset_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_llm_calls_fingerprint'), ['fingerprint'], unique=False)
        batch_op.create_index('ix_llm_calls_job_status', ['job_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_llm_calls_model'), ['model'], unique=False)
        batch_op.create_index(batch_op.f('ix_llm_calls_provider'), ['provider'], unique=False)

    with op.batch_alter_table('examples', schema=None) as batch_op:
        batch_op.add_column(sa.Column('content_hash', sa.String(length=64), nullable=True))
        batch_op.create_index('ix_examples_dataset_hash', ['dataset_id', 'content_hash'], unique=False)

    # The one row of the global budget (no limit until an admin sets one).
    op.execute(
        "INSERT INTO global_budget (id, spent_usd, reserved_usd, unknown_usd) VALUES ('global', 0, 0, 0)"
    )


def downgrade() -> None:
    with op.batch_alter_table('examples', schema=None) as batch_op:
        batch_op.drop_index('ix_examples_dataset_hash')
        batch_op.drop_column('content_hash')

    with op.batch_alter_table('llm_calls', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_llm_calls_provider'))
        batch_op.drop_index(batch_op.f('ix_llm_calls_model'))
        batch_op.drop_index('ix_llm_calls_job_status')
        batch_op.drop_index(batch_op.f('ix_llm_calls_fingerprint'))
        batch_op.drop_index(batch_op.f('ix_llm_calls_dataset_id'))
        batch_op.drop_index(batch_op.f('ix_llm_calls_created_at'))

    op.drop_table('llm_calls')
    with op.batch_alter_table('job_items', schema=None) as batch_op:
        batch_op.drop_index('ix_job_items_lease')
        batch_op.drop_index('ix_job_items_claim')

    op.drop_table('job_items')
    with op.batch_alter_table('example_bands', schema=None) as batch_op:
        batch_op.drop_index('ix_example_bands_lookup')

    op.drop_table('example_bands')
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_jobs_status'))
        batch_op.drop_index(batch_op.f('ix_jobs_kind'))
        batch_op.drop_index(batch_op.f('ix_jobs_dataset_id'))
        batch_op.drop_index(batch_op.f('ix_jobs_created_at'))

    op.drop_table('jobs')
    op.drop_table('response_cache')
    op.drop_table('global_budget')
