"""Page/size query parameters shared by list endpoints."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, TypeVar

from fastapi import Depends, Query

from app.kit.schemas import Page

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Pagination:
    """Which page of a list to return."""

    page: int
    page_size: int

    @property
    def offset(self) -> int:
        """Rows to skip."""
        return (self.page - 1) * self.page_size

    def of(self, items: list[T], total: int) -> Page[T]:
        """This page's response: ``items`` and the ``total`` of every page."""
        return Page(items=items, total=total, page=self.page, page_size=self.page_size)


async def _pagination(
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=500)] = 50,
) -> Pagination:
    return Pagination(page, page_size)


PaginationDep = Annotated[Pagination, Depends(_pagination)]
