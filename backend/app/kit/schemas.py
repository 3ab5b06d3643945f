"""Base schemas shared by every domain."""

from __future__ import annotations

from typing import Annotated, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T")

SEED_MAX = 2**31 - 1
"""One range for every seed: it suits every random generator a seed reaches (numpy, torch) and the JSON
columns a seed is stored in (a dataset's lineage, a job's config)."""

Seed = Annotated[int, Field(ge=0, le=SEED_MAX, description="the same seed gives the same result")]


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
