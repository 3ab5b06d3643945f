"""The caller's own API tokens: create (the secret is shown once), list, revoke."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from app.auth.deps import CurrentUser
from app.core.deps import SessionDep
from app.core.errors import NotFound, Unauthorized, error_responses
from app.tokens import service
from app.tokens.schemas import TokenCreate, TokenCreated, TokenRead

router = APIRouter(prefix="/tokens", tags=["tokens"])


@router.get("", responses=error_responses(Unauthorized))
async def list_tokens(user: CurrentUser, session: SessionDep) -> list[TokenRead]:
    """The caller's tokens (never another user's), without their secrets."""
    return [TokenRead.model_validate(t) for t in await service.list_own(session, user)]


@router.post("", status_code=201, responses=error_responses(Unauthorized))
async def create_token(body: TokenCreate, user: CurrentUser, session: SessionDep) -> TokenCreated:
    """A new token acting with the caller's role; its secret is in this answer only."""
    token, secret = await service.create(session, user, body)
    return TokenCreated.model_validate({**TokenRead.model_validate(token).model_dump(), "token": secret})


@router.delete("/{token_id}", status_code=204, responses=error_responses(Unauthorized, NotFound))
async def revoke_token(token_id: uuid.UUID, user: CurrentUser, session: SessionDep) -> None:
    """Revoke one of the caller's tokens; requests with it are refused from now on."""
    await service.revoke(session, user, token_id)
