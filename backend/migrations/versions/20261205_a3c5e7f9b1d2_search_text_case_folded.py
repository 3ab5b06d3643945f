"""search text case-folded: the example search matches with LIKE on text folded when it is written

Revision ID: a3c5e7f9b1d2
Revises: f1a2b3c4d5e6
Create Date: 2026-12-05 04:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = 'a3c5e7f9b1d2'
down_revision: str | None = 'f1a2b3c4d5e6'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 5000
examples = sa.table('examples', sa.column('id', sa.Uuid()), sa.column('search_text', sa.Text()))


def upgrade() -> None:
    if op.get_context().as_sql:
        # A script cannot run Python: lower() is str.casefold for ASCII text (the rest may differ).
        op.execute(examples.update().values(search_text=sa.func.lower(examples.c.search_text)))
        return
    # Folded in Python, as the app folds new rows, in batches along the primary key; only rows that
    # change are written.
    bind = op.get_bind()
    change = (
        examples.update()
        .where(examples.c.id == sa.bindparam('row_id'))
        .values(search_text=sa.bindparam('folded'))
    )
    last = None
    while True:
        query = sa.select(examples.c.id, examples.c.search_text).order_by(examples.c.id).limit(BATCH)
        if last is not None:
            query = query.where(examples.c.id > last)
        rows = bind.execute(query).all()
        if not rows:
            return
        folded = [
            {'row_id': row.id, 'folded': row.search_text.casefold()}
            for row in rows
            if row.search_text != row.search_text.casefold()
        ]
        if folded:
            bind.execute(change, folded)
        last = rows[-1].id


def downgrade() -> None:
    # Nothing to undo: the earlier ILIKE search matches folded text as it matched the original.
    pass
