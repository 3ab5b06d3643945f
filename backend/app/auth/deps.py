"""Who is calling: an API token (``Authorization: Bearer dst_...``) or the session cookie of the dashboard."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request

from app.auth import service
from app.core.deps import SessionDep
from app.core.errors import Forbidden, Unauthorized
from app.models import Role, User
from app.tokens.service import user_for_api_token

SESSION_COOKIE = "distillery_session"


async def current_user(request: Request, session: SessionDep) -> User:
    """The caller: the user of a valid bearer token, else of the session cookie; 401 otherwise.

    A request that sends a bearer token is judged by that token alone: a revoked or expired token is
    refused even when a session cookie comes with it.
    """
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer":
        user = await user_for_api_token(session, credentials.strip())
        if user is None:
            raise Unauthorized("invalid, expired or revoked API token")
        return user
    token = request.cookies.get(SESSION_COOKIE)
    user = await service.user_for_token(session, token) if token else None
    if user is None:
        raise Unauthorized("log in first")
    return user


CurrentUser = Annotated[User, Depends(current_user)]


def require_role(*roles: Role) -> Any:
    """A dependency that lets only ``roles`` through."""

    async def _check(user: CurrentUser) -> User:
        if user.role not in roles:
            raise Forbidden(f"needs role {' or '.join(r.value for r in roles)}")
        return user

    return Depends(_check)
