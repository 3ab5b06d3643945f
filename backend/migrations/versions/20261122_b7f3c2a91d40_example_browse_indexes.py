"""example browse indexes: rows in dataset order (never removed / removed), trigram search on PostgreSQL

Revision ID: b7f3c2a91d40
Revises: e74a1c9d3f52
Create Date: 2026-11-22 07:05:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = 'b7f3c2a91d40'
down_revision: str | None = 'e74a1c9d3f52'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A page of a version, at any depth, is an index-only walk in (position, id) order, not a sort.
    with op.batch_alter_table('examples', schema=None) as batch_op:
        batch_op.create_index(
            'ix_examples_dataset_order',
            ['dataset_id', 'position', 'id', 'added_in', 'score'],
            unique=False,
            postgresql_where=sa.text('removed_in IS NULL'),
            sqlite_where=sa.text('removed_in IS NULL'),
        )
        # The rows removed at some version, in the same order: what an older version adds to those.
        batch_op.create_index(
            'ix_examples_dataset_removed',
            ['dataset_id', 'position', 'id', 'removed_in', 'added_in'],
            unique=False,
            postgresql_where=sa.text('removed_in IS NOT NULL'),
            sqlite_where=sa.text('removed_in IS NOT NULL'),
        )
    if op.get_bind().dialect.name == 'postgresql':
        # Text search is ILIKE '%...%': a trigram index answers it without reading every row.
        # pg_trgm ships with PostgreSQL (contrib) and is a trusted extension: the database owner may add it.
        op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
        op.create_index(
            'ix_examples_search_trgm',
            'examples',
            ['search_text'],
            unique=False,
            postgresql_using='gin',
            postgresql_ops={'search_text': 'gin_trgm_ops'},
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_index('ix_examples_search_trgm', table_name='examples')
    with op.batch_alter_table('examples', schema=None) as batch_op:
        batch_op.drop_index('ix_examples_dataset_removed')
        batch_op.drop_index('ix_examples_dataset_order')
