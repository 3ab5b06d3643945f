"""Domains: the engine's built-in ones (with the operator's ``domains.yaml``) merged with users' own.

User-defined domains are validated by the library's ``DomainSpec`` and, together with every other
domain, by ``load_domains_config``, so the engine accepts whatever the API stored.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import Settings
from app.core.errors import Conflict, Forbidden, NotFound, UnprocessableContent
from app.domains.repository import DomainRepository
from app.domains.schemas import DomainCreate, DomainDetail, DomainRead
from app.models import Role, User, UserDomain
from distillation.scenarios import DomainConfigError, DomainsConfig, DomainSpec, load_domains_config

DOMAINS_FILE = "domains.yaml"


def builtin_config(settings: Settings) -> DomainsConfig:
    """The library's domains with the operator's ``CONFIG_DIR/domains.yaml`` merged over them."""
    path = settings.config_dir / DOMAINS_FILE
    return load_domains_config(*([path] if path.is_file() else []))


async def domains_config(session: AsyncSession, settings: Settings) -> DomainsConfig:
    """Every domain the engine may draw scenarios from: built-in and user-defined.

    Raises:
        UnprocessableContent: The configuration is invalid (each issue is listed).
    """
    return _merged(settings, {d.slug: d.spec for d in await DomainRepository(session).list_all()})


async def list_domains(session: AsyncSession, settings: Settings) -> list[DomainRead]:
    """Built-in domains in the configuration's order, then user-defined ones by id."""
    rows = {d.slug: d for d in await DomainRepository(session).list_all()}
    config = _merged(settings, {slug: row.spec for slug, row in rows.items()})
    items = [_read(slug, spec, rows.get(slug)) for slug, spec in config.domains.items()]
    return sorted(items, key=lambda d: not d.builtin)  # stable: the configuration's order, then by id


async def get_domain(session: AsyncSession, settings: Settings, slug: str) -> DomainDetail:
    """One domain with the parameters drawn for it."""
    rows = {d.slug: d for d in await DomainRepository(session).list_all()}
    config = _merged(settings, {s: row.spec for s, row in rows.items()})
    if slug not in config.domains:
        raise NotFound(f"no domain {slug}")
    read = _read(slug, config.domains[slug], rows.get(slug))
    return DomainDetail(**read.model_dump(), effective_parameters=config.parameters_for(slug))


async def create(session: AsyncSession, settings: Settings, user: User, body: DomainCreate) -> DomainRead:
    """Add a domain; its id must not be taken by a built-in or another user-defined domain."""
    if body.id in builtin_config(settings).domains:
        raise Conflict(f"{body.id} is a built-in domain; choose another id")
    if await DomainRepository(session).get_by_slug(body.id) is not None:
        raise Conflict(f"a domain {body.id} exists")
    spec = _spec(body)
    await domains_config_with(session, settings, body.id, spec)
    row = await DomainRepository(session).create(UserDomain(slug=body.id, spec=spec, owner_id=user.id))
    return _read(row.slug, DomainSpec.model_validate(spec), row)


async def replace(
    session: AsyncSession, settings: Settings, user: User, slug: str, body: DomainSpec
) -> DomainRead:
    """Replace a user-defined domain's spec (its owner or an admin)."""
    row = await _own(session, settings, user, slug)
    spec = _spec(body)
    await domains_config_with(session, settings, slug, spec)
    await DomainRepository(session).update(row, {"spec": spec})
    return _read(slug, DomainSpec.model_validate(spec), row)


async def delete(session: AsyncSession, settings: Settings, user: User, slug: str) -> None:
    """Delete a user-defined domain (its owner or an admin); datasets that name it keep the name."""
    await DomainRepository(session).delete(await _own(session, settings, user, slug))


async def domains_config_with(
    session: AsyncSession, settings: Settings, slug: str, spec: dict[str, Any]
) -> DomainsConfig:
    """The whole configuration as it would be with ``spec`` stored under ``slug`` (validated)."""
    stored = {d.slug: d.spec for d in await DomainRepository(session).list_all()}
    return _merged(settings, {**stored, slug: spec})


async def _own(session: AsyncSession, settings: Settings, user: User, slug: str) -> UserDomain:
    row = await DomainRepository(session).get_by_slug(slug)
    if row is None:
        if slug in builtin_config(settings).domains:
            raise Forbidden(f"{slug} is a built-in domain and read-only; add your own under another id")
        raise NotFound(f"no domain {slug}")
    if user.role is not Role.admin and row.owner_id != user.id:
        raise Forbidden("only the domain's owner or an admin can change it")
    return row


def _merged(settings: Settings, user_domains: dict[str, dict[str, Any]]) -> DomainsConfig:
    path = settings.config_dir / DOMAINS_FILE
    sources: list[Any] = [path] if path.is_file() else []
    try:
        return load_domains_config(*sources, {"domains": user_domains})
    except DomainConfigError as exc:
        raise UnprocessableContent([str(issue) for issue in exc.issues]) from None


def _spec(body: DomainSpec) -> dict[str, Any]:
    return DomainSpec.model_validate(body.model_dump(exclude={"id"})).model_dump(mode="json")


def _read(slug: str, spec: DomainSpec, row: UserDomain | None) -> DomainRead:
    owner = row.owner_id if row is not None else None
    return DomainRead(**spec.model_dump(), id=slug, builtin=row is None, owner_id=owner)
