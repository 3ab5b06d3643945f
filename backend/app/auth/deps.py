"""Who is calling: an API token (``Authorization: Bearer dst_...``) or the session cookie of the dashboard.

A token acts with the lesser of its user's role and its scope (``read`` as a viewer, ``write`` as an
editor, ``admin`` as an admin). The user a token-authenticated request sees carries that lesser role,
so every role check (``require_role`` and the services' ownership rules) applies the scope too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy.orm.attributes import set_committed_value

from app.auth import service
from app.core.deps import SessionDep
from app.core.errors import Forbidden, Unauthorized
from app.models import ApiToken, Role, TokenScope, User
from app.models.api_token import ROLE_RANK, lesser_role
from app.tokens.service import token_and_user

SESSION_COOKIE = "distillery_session"


@dataclass(frozen=True)
class Caller:
    """The user behind a request, the API token it came with (``None``: the dashboard session), and
    the user's own role (``user.role`` is the lesser one the token allows)."""

    user: User
    token: ApiToken | None
    own_role: Role


async def current_caller(request: Request, session: SessionDep) -> Caller:
    """The caller: the user of a valid bearer token, else of the session cookie; 401 otherwise.

    A request that sends a bearer token is judged by that token alone: a revoked or expired token is
    refused even when a session cookie comes with it.
    """
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer":
        found = await token_and_user(session, credentials.strip())
        if found is None:
            raise Unauthorized("invalid, expired or revoked API token")
        token, user = found
        own_role = user.role
        # Only for this request, never written back: the role the token lets its user act with.
        set_committed_value(user, "role", lesser_role(own_role, token.scope.role))
        return Caller(user, token, own_role)
    cookie = request.cookies.get(SESSION_COOKIE)
    signed_in = await service.user_for_token(session, cookie) if cookie else None
    if signed_in is None:
        raise Unauthorized("log in first")
    return Caller(signed_in, None, signed_in.role)


CurrentCaller = Annotated[Caller, Depends(current_caller)]


async def current_user(caller: CurrentCaller) -> User:
    """The calling user, with the role a token limits them to."""
    return caller.user


CurrentUser = Annotated[User, Depends(current_user)]


def require_role(*roles: Role) -> Any:
    """A dependency that lets only ``roles`` through; a token also needs a scope that covers one of them."""

    async def _check(caller: CurrentCaller) -> User:
        if caller.user.role not in roles:
            raise Forbidden(_refusal(caller, roles))
        return caller.user

    return Depends(_check)


def require_scope(scope: TokenScope) -> Any:
    """A dependency that refuses tokens below ``scope``; dashboard sessions always pass."""

    async def _check(caller: CurrentCaller) -> User:
        token = caller.token
        if token is not None and ROLE_RANK[token.scope.role] < ROLE_RANK[scope.role]:
            raise Forbidden(f"this API token has scope {token.scope}; this needs scope {scope} or more")
        return caller.user

    return Depends(_check)


def _refusal(caller: Caller, roles: tuple[Role, ...]) -> str:
    token = caller.token
    if token is not None and caller.own_role in roles:
        scopes = " or ".join(s.value for s in TokenScope if s.role in roles)
        return f"this API token has scope {token.scope}; this needs scope {scopes}"
    return f"needs role {' or '.join(r.value for r in roles)}"
