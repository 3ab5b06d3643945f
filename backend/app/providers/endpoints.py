"""Providers: credentials (admins write; keys never come back), connection tests and model lists."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from app.auth.deps import CurrentUser, require_role
from app.core.deps import SessionDep, SettingsDep
from app.core.errors import Forbidden, NotFound, Unauthorized, UnprocessableContent, error_responses
from app.models import Role, User
from app.providers import catalog, probe, service
from app.providers.schemas import (
    NAME_PATTERN,
    ConnectionTest,
    ConnectionTestRequest,
    ModelList,
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
    return service.read_stored(await service.save(session, settings, admin, name, body))


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
    """The provider's models (asked live when ``remote`` and credentials exist) and the price table's."""
    served, reachable, error = await probe.served_models(session, settings, name, remote)
    models = catalog.model_list(name, served, settings)
    return ModelList(provider=name, reachable=reachable, error=error, models=models)
