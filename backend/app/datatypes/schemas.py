"""Data types as the catalog shows them."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from app.kit.schemas import Schema


class DataTypeRead(Schema):
    """One kind of training example, its record schema, and the formats its datasets come in."""

    name: str
    title: str
    description: str
    record_schema: dict[str, Any] = Field(description="JSON schema of the typed record")
    example: dict[str, Any] = Field(description="A small valid record")
    record_formats: list[str] = Field(description="Record views the engine reads and writes")
    export_formats: list[str] = Field(description="File formats a dataset can be exported as")
