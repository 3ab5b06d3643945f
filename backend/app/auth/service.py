"""Logging in and out, and the first admin of a new installation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import security
from app.auth.repository import UserSessionRepository
from app.core.errors import Unauthorized
from app.models import Role, User
from app.models.base import utcnow
from app.users.repository import UserRepository


@dataclass(frozen=True, slots=True)
class FirstAdmin:
    """The admin created on first start; the password is only known at this moment."""

    email: str
    password: str
    generated: bool


async def ensure_first_admin(session: AsyncSession, email: str, password: str | None) -> FirstAdmin | None:
    """Create an admin when the installation has no users yet; None when users already exist."""
    if await UserRepository(session).count() > 0:
        return None
    generated = password is None
    chosen = password if password is not None else security.generate_password()
    await UserRepository(session).add_user(email, security.hash_password(chosen), Role.admin)
    return FirstAdmin(email=email, password=chosen, generated=generated)


async def login(session: AsyncSession, email: str, password: str, ttl: timedelta) -> tuple[User, str]:
    """Check the credentials and open a session; returns the user and the cookie token."""
    user = await UserRepository(session).get_by_email(email)
    if user is None or not user.is_active or not security.verify_password(password, user.password_hash):
        raise Unauthorized("wrong e-mail or password")
    token = security.new_token()
    now = utcnow()
    await UserSessionRepository(session).add_session(user.id, security.token_hash(token), now, now + ttl)
    return user, token


async def user_for_token(session: AsyncSession, token: str) -> User | None:
    """The user of a session token, if the session is valid."""
    return await UserSessionRepository(session).user_for_session(security.token_hash(token), utcnow())


async def logout(session: AsyncSession, token: str) -> None:
    """End the session of ``token``."""
    await UserSessionRepository(session).delete_session(security.token_hash(token))
