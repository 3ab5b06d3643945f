"""Providers: credentials (admins write; keys never come back), rate limits, connection tests, models."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from app.auth.deps import CurrentUser, require_role
from app.core.deps import SessionDep, SettingsDep
from app.core.errors import Forbidden, NotFound, Unauthorized, UnprocessableContent, error_responses
from app.models import Role, User
from app.provider_finetune.repository import ProviderFinetuneRepository
from app.providers import catalog, limits, probe, service
from app.providers.schemas import (
    NAME_PATTERN,
    ConnectionTest,
    ConnectionTestRequest,
    ModelList,
    ProviderLimits,
    ProviderLimitsWrite,
    ProviderRead,
    ProviderWrite,
)

router = APIRouter(prefix="/providers", tags=["providers"])
Admin = Annotated[User, require_role(Role.admin)]
ProviderName = Annotated[str, Path(pattern=NAME_PATTERN, description="The provider part of model ids")]
ADMIN_ERRORS = error_responses(Unauthorized, Forbidden)


@router.get("", responses=error_responses(Unauthorized))
async def list_providers(_: CurrentUser, session: SessionDep, settings: SettingsDep) -> list[ProviderRead]:
    """Every provider and where its credentials come from (stored, environment, none, bundled)."""
    return await service.list_providers(session, settings)


@router.put("/{name}", responses=ADMIN_ERRORS | error_responses(UnprocessableContent))
async def save_provider(
    name: ProviderName, body: ProviderWrite, admin: Admin, session: SessionDep, settings: SettingsDep
) -> ProviderRead:
    """Store or change a provider's key and base URL (the key is encrypted; only its end comes back)."""
    saved = service.read_stored(await service.save(session, settings, admin, name, body))
    found = await limits.provider_limits(session, settings, [name])
    return saved.model_copy(update={"limits": found[name]})


@router.get("/{name}/limits", responses=error_responses(Unauthorized, NotFound))
async def get_limits(
    name: ProviderName,
    _: CurrentUser,
    session: SessionDep,
    settings: SettingsDep,
    model: Annotated[
        list[str], Query(max_length=50, description="More models whose effective limits to show")
    ] = [],  # noqa: B006 - FastAPI copies query defaults
) -> ProviderLimits:
    """The provider's limits as set, and in effect per model (set, .env default, learned or none)."""
    limits.require_limitable(name, await service.provider_names(session, settings))
    return (await limits.provider_limits(session, settings, [name], model))[name]


@router.put("/{name}/limits", responses=ADMIN_ERRORS | error_responses(NotFound, UnprocessableContent))
async def save_limits(
    name: ProviderName, body: ProviderLimitsWrite, admin: Admin, session: SessionDep, settings: SettingsDep
) -> ProviderLimits:
    """Replace the provider's limits: its default and per-model rows (models not sent lose theirs)."""
    limits.require_limitable(name, await service.provider_names(session, settings))
    await limits.save_limits(session, admin, name, body)
    return (await limits.provider_limits(session, settings, [name]))[name]


@router.delete("/{name}", status_code=204, responses=ADMIN_ERRORS | error_responses(NotFound))
async def delete_provider(name: ProviderName, _: Admin, session: SessionDep) -> None:
    """Forget a provider's stored credentials (environment keys, if any, apply again)."""
    await service.delete(session, name)


@router.post("/{name}/test", responses=ADMIN_ERRORS | error_responses(NotFound))
async def check_provider(
    name: ProviderName,
    _: Admin,
    session: SessionDep,
    settings: SettingsDep,
    body: ConnectionTestRequest | None = None,
) -> ConnectionTest:
    """Check the credentials: a 1-token request to ``model`` if given, else the provider's model list."""
    return await probe.connection_test(session, settings, name, body.model if body else None)


@router.get("/{name}/models", responses=error_responses(Unauthorized, NotFound))
async def list_models(
    name: ProviderName, _: CurrentUser, session: SessionDep, settings: SettingsDep, remote: bool = True
) -> ModelList:
    """The provider's models (asked live when ``remote`` and credentials exist), those its fine-tunes
    made, and the price table's."""
    served, reachable, error = await probe.served_models(session, settings, name, remote)
    fine_tuned = await ProviderFinetuneRepository(session).models(name)
    models = catalog.model_list(name, served, settings, fine_tuned)
    return ModelList(provider=name, reachable=reachable, error=error, models=models)
