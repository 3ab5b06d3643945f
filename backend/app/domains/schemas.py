"""Domains as the API shows them: the library's ``DomainSpec`` plus an id, an owner and a built-in flag."""

from __future__ import annotations

import uuid

from pydantic import Field

from distillation.scenarios import DomainSpec, ParameterSpec

SLUG_PATTERN = r"^[a-z][a-z0-9_]*$"


class DomainCreate(DomainSpec):
    """A new domain: an id (used in job configs) and its spec, validated by the library."""

    id: str = Field(pattern=SLUG_PATTERN, max_length=64)


class DomainRead(DomainSpec):
    """A built-in or user-defined domain."""

    id: str
    builtin: bool = Field(description="Shipped with the engine (read-only) or added by a user")
    owner_id: uuid.UUID | None = None


class DomainDetail(DomainRead):
    """A domain with every parameter drawn for it: the common ones overlaid with its own."""

    effective_parameters: dict[str, ParameterSpec]
