"""Who is calling: the session cookie of the dashboard."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request

from app.auth import service
from app.core.deps import SessionDep
from app.core.errors import Forbidden, Unauthorized
from app.models import Role, User

SESSION_COOKIE = "distillery_session"


async def current_user(request: Request, session: SessionDep) -> User:
    """The logged-in user, or 401."""
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
