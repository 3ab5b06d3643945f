"""The generic repository every domain repository extends: the SQL each of them would otherwise repeat.

A repository wraps the request's (or task's) session and owns the SQL of one model; a domain repository
sets ``model`` and adds only its own queries. Repositories flush, never commit: the caller owns the
transaction.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Select, delete, func, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql.elements import UnaryExpression

from app.kit.pagination import Pagination
from app.models.base import Base

M = TypeVar("M", bound=Base)
R = TypeVar("R")

AnySelect = Select[*tuple[Any, ...]]
Ordering = ColumnElement[Any] | UnaryExpression[Any] | InstrumentedAttribute[Any]


class Repository(Generic[M]):
    """Get, list, count, page, create, update and delete rows of ``model``."""

    model: type[M]

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def statement(self) -> Select[M]:
        """The base query of the model's rows; domain queries start from it."""
        return select(self.model)

    async def get(self, key: Any, *, fresh: bool = False) -> M | None:
        """One row by primary key (a tuple for a composite key); ``fresh`` re-reads a row already loaded."""
        return await self.session.get(self.model, key, populate_existing=fresh)

    async def one_or_none(self, statement: Select[R]) -> R | None:
        """The first column of the only (or first) row of ``statement``, or None."""
        return await self.session.scalar(statement)

    async def all(self, statement: Select[R]) -> builtins.list[R]:
        """The first column of every row of ``statement``."""
        return list(await self.session.scalars(statement))

    async def list(
        self, *where: ColumnElement[bool], order_by: Sequence[Ordering] = (), limit: int | None = None
    ) -> builtins.list[M]:
        """Rows matching every filter, in ``order_by`` order."""
        return await self.all(self.statement().where(*where).order_by(*order_by).limit(limit))

    async def count(self, statement: AnySelect | None = None) -> int:
        """How many rows ``statement`` (default: the whole table) returns."""
        counted = self.statement() if statement is None else statement
        return int(await self.session.scalar(select(func.count()).select_from(counted.subquery())) or 0)

    async def paginate(
        self, statement: Select[R], pagination: Pagination, order_by: Sequence[Ordering]
    ) -> tuple[builtins.list[R], int]:
        """One page of ``statement`` in ``order_by`` order (offset pages), and the total of every page."""
        total = await self.count(statement)
        page = statement.order_by(*order_by).offset(pagination.offset).limit(pagination.page_size)
        return await self.all(page), total

    async def keyset(
        self,
        statement: Select[R],
        keys: Sequence[InstrumentedAttribute[Any]],
        after: Sequence[Any] | None,
        limit: int,
    ) -> builtins.list[R]:
        """Up to ``limit`` rows of ``statement`` after the row whose ``keys`` values are ``after``.

        Ascending ``keys`` order; ``after`` None starts at the first row. The last row's key values are
        the next page's ``after``: unlike an offset, a deep page costs no more than the first.
        """
        if after is not None:
            statement = statement.where(tuple_(*keys) > tuple_(*after))
        return await self.all(statement.order_by(*keys).limit(limit))

    async def create(self, row: M, *, flush: bool = True) -> M:
        """Add a new row; flushed by default, so its id and server defaults are known."""
        self.session.add(row)
        if flush:
            await self.session.flush()
        return row

    async def create_many(self, rows: Iterable[M]) -> None:
        """Add many new rows in one flush."""
        rows = builtins.list(rows)
        if rows:
            self.session.add_all(rows)
            await self.session.flush()

    async def update(self, row: M, values: Mapping[str, Any], *, flush: bool = True) -> M:
        """Set attributes of a loaded row."""
        for name, value in values.items():
            setattr(row, name, value)
        if flush:
            await self.session.flush()
        return row

    async def update_where(self, *where: ColumnElement[bool], **values: Any) -> int:
        """Set columns of every row matching the filters in one statement; returns how many matched."""
        result = await self.session.execute(update(self.model).where(*where).values(**values))
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def delete(self, row: M) -> None:
        """Remove a loaded row (ORM cascades apply)."""
        await self.session.delete(row)
        await self.session.flush()

    async def delete_where(self, *where: ColumnElement[bool]) -> int:
        """Remove every row matching the filters in one statement; returns how many."""
        result = await self.session.execute(delete(self.model).where(*where))
        return int(result.rowcount)  # type: ignore[attr-defined]
