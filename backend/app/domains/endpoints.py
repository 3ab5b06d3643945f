"""Domains: built-in and user-defined, listed together; editors add, replace and delete their own."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from app.auth.deps import CurrentUser, require_role
from app.core.deps import SessionDep, SettingsDep
from app.core.errors import (
    Conflict,
    Forbidden,
    NotFound,
    Unauthorized,
    UnprocessableContent,
    error_responses,
)
from app.domains import service
from app.domains.schemas import SLUG_PATTERN, DomainCreate, DomainDetail, DomainRead
from app.models import Role, User
from distillation.scenarios import DomainSpec

router = APIRouter(prefix="/domains", tags=["domains"])
Editor = Annotated[User, require_role(Role.admin, Role.editor)]
Slug = Annotated[str, Path(pattern=SLUG_PATTERN, max_length=64)]
WRITE_ERRORS = error_responses(Unauthorized, Forbidden, NotFound, UnprocessableContent)


@router.get("", responses=error_responses(Unauthorized, UnprocessableContent))
async def list_domains(_: CurrentUser, session: SessionDep, settings: SettingsDep) -> list[DomainRead]:
    """Every domain scenarios can be drawn from, built-in ones marked ``builtin: true``."""
    return await service.list_domains(session, settings)


@router.post("", status_code=201, responses=WRITE_ERRORS | error_responses(Conflict))
async def create_domain(
    body: DomainCreate, user: Editor, session: SessionDep, settings: SettingsDep
) -> DomainRead:
    """Add a domain with its subdomains and weighted parameters."""
    return await service.create(session, settings, user, body)


@router.get("/{slug}", responses=error_responses(Unauthorized, NotFound))
async def get_domain(slug: Slug, _: CurrentUser, session: SessionDep, settings: SettingsDep) -> DomainDetail:
    """One domain, with the parameters drawn for it (common ones overlaid with its own)."""
    return await service.get_domain(session, settings, slug)


@router.put("/{slug}", responses=WRITE_ERRORS)
async def replace_domain(
    slug: Slug, body: DomainSpec, user: Editor, session: SessionDep, settings: SettingsDep
) -> DomainRead:
    """Replace a user-defined domain (its owner or an admin; built-in domains are read-only)."""
    return await service.replace(session, settings, user, slug, body)


@router.delete("/{slug}", status_code=204, responses=WRITE_ERRORS)
async def delete_domain(slug: Slug, user: Editor, session: SessionDep, settings: SettingsDep) -> None:
    """Delete a user-defined domain (its owner or an admin)."""
    await service.delete(session, settings, user, slug)
