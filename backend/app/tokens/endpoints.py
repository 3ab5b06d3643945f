"""The caller's own API tokens: create (the secret is shown once), list, revoke."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter

from app.auth.deps import CurrentCaller, CurrentUser, require_scope
from app.core.deps import SessionDep
from app.core.errors import Forbidden, NotFound, Unauthorized, error_responses
from app.models import TokenScope, User
from app.tokens import service
from app.tokens.schemas import TokenCreate, TokenCreated, TokenRead

router = APIRouter(prefix="/tokens", tags=["tokens"])
# A read token may look at its user's tokens and make narrower ones, but not revoke the others.
Writer = Annotated[User, require_scope(TokenScope.write)]


@router.get("", responses=error_responses(Unauthorized))
async def list_tokens(user: CurrentUser, session: SessionDep) -> list[TokenRead]:
    """The caller's tokens (never another user's), without their secrets."""
    return [TokenRead.model_validate(t) for t in await service.list_own(session, user)]


@router.post("", status_code=201, responses=error_responses(Unauthorized, Forbidden))
async def create_token(body: TokenCreate, caller: CurrentCaller, session: SessionDep) -> TokenCreated:
    """A new token with a scope no wider than the caller's role (and, when a token makes the request,
    than that token's scope and expiry); its secret is in this answer only."""
    token, secret = await service.create(session, caller.user, body, minted_by=caller.token)
    return TokenCreated.model_validate({**TokenRead.model_validate(token).model_dump(), "token": secret})


@router.delete("/{token_id}", status_code=204, responses=error_responses(Unauthorized, Forbidden, NotFound))
async def revoke_token(token_id: uuid.UUID, user: Writer, session: SessionDep) -> None:
    """Revoke one of the caller's tokens; requests with it are refused from now on."""
    await service.revoke(session, user, token_id)
