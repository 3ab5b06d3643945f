"""The data types registered in the engine, described for the catalog."""

from __future__ import annotations

from typing import get_args

from app.datasets.exporting import PREFERENCE_FORMATS
from app.datasets.schemas import ExportFormat
from app.datatypes.schemas import DataTypeRead
from distillation.datatypes import get_datatype, list_datatypes
from distillation.formats import RecordFormat


def list_data_types() -> list[DataTypeRead]:
    """Every registered data type, by name."""
    return [describe(name) for name in list_datatypes()]


def describe(name: str) -> DataTypeRead:
    """One data type.

    Raises:
        distillation.datatypes.UnknownDataTypeError: Nothing is registered under ``name``.
    """
    datatype = get_datatype(name)
    return DataTypeRead(
        name=datatype.name,
        title=datatype.title,
        description=datatype.description,
        record_schema=datatype.json_schema(),
        example=datatype.dump(datatype.example()),
        record_formats=[f.value for f in RecordFormat],
        # The preference formats export a preference job's pairs, not a data type's rows.
        export_formats=[f for f in get_args(ExportFormat) if f not in PREFERENCE_FORMATS],
    )
