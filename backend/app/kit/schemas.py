"""Base schemas shared by every domain."""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T")


class Schema(BaseModel):
    """A response or request body; reads ORM objects by attribute."""

    model_config = ConfigDict(from_attributes=True)


class Page(Schema, Generic[T]):
    """One page of a list, with the total for pagination controls."""

    items: list[T]
    total: int = Field(ge=0)
    page: int = Field(ge=1)
    page_size: int = Field(ge=1)
    total_exact: bool = Field(
        default=True,
        description="False when total is a lower bound: counting every match of a filter on a big list is "
        "too slow, so it says only that more items follow this page",
    )
