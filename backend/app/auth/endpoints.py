"""Login, logout and the current user."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request, Response

from app.auth import service
from app.auth.csrf import CSRF_COOKIE, set_csrf_cookie
from app.auth.deps import SESSION_COOKIE, CurrentUser
from app.auth.schemas import LoginRequest, UserRead
from app.core.deps import SessionDep, SettingsDep
from app.core.errors import TooManyRequests, Unauthorized, error_responses

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post("/login", responses=error_responses(Unauthorized, TooManyRequests))
async def login(
    body: LoginRequest, request: Request, response: Response, session: SessionDep, settings: SettingsDep
) -> UserRead:
    """Log in with e-mail and password; sets the session cookie and the CSRF token cookie.

    The dashboard repeats the token cookie (``distillery_csrf``) in an ``X-CSRF-Token`` header on every
    write it makes with the session cookie.

    Failed logins lock the account and the client address for exponentially longer (429 with
    ``Retry-After``).
    """
    ttl = timedelta(hours=settings.session_ttl_hours)
    address = request.client.host if request.client else "unknown"
    attempt = service.LoginAttempt(email=body.email, password=body.password, address=address)
    user, token = await service.login(session, request.app.state.login_throttle, attempt, ttl)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(ttl.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=settings.environment == "production",
        path="/",
    )
    set_csrf_cookie(response, settings, token)
    return UserRead.model_validate(user)


@router.post("/logout", status_code=204)
async def logout(request: Request, response: Response, session: SessionDep) -> None:
    """End the current session (a write like any other: it needs the CSRF token)."""
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        await service.logout(session, token)
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")


@router.get("/me", responses=error_responses(Unauthorized))
async def me(user: CurrentUser) -> UserRead:
    """The logged-in user."""
    return UserRead.model_validate(user)
