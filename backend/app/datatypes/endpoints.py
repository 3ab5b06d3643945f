"""Data types: what kinds of examples the engine generates, their record schemas and formats."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from app.auth.deps import CurrentUser
from app.core.errors import NotFound, Unauthorized, error_responses
from app.datatypes import service
from app.datatypes.schemas import DataTypeRead
from distillation.datatypes import UnknownDataTypeError

router = APIRouter(prefix="/data-types", tags=["catalog"])


@router.get("", responses=error_responses(Unauthorized))
async def list_data_types(_: CurrentUser) -> list[DataTypeRead]:
    """Every data type: name, description, record JSON schema, record and export formats."""
    return service.list_data_types()


@router.get("/{name}", responses=error_responses(Unauthorized, NotFound))
async def get_data_type(name: Annotated[str, Path(max_length=64)], _: CurrentUser) -> DataTypeRead:
    """One data type."""
    try:
        return service.describe(name)
    except UnknownDataTypeError as exc:
        raise NotFound(str(exc)) from None
