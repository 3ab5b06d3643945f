"""Logging in and out, and the first admin of a new installation."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import security
from app.auth.repository import UserSessionRepository
from app.auth.throttle import ACCOUNT, ADDRESS, ThrottleStore, account_key, address_key
from app.core.errors import TooManyRequests, Unauthorized
from app.models import Role, User
from app.models.base import utcnow
from app.users.repository import UserRepository

# Security events (logins, lockouts) on their own logger, so operators can route them to an audit trail.
audit = logging.getLogger("app.audit")


@dataclass(frozen=True, slots=True)
class LoginAttempt:
    """What a login request offers: the credentials and the client address it came from."""

    email: str
    password: str = field(repr=False)
    address: str


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


async def login(
    session: AsyncSession, throttle: ThrottleStore, attempt: LoginAttempt, ttl: timedelta
) -> tuple[User, str]:
    """Check the credentials and open a session; returns the user and the cookie token.

    Raises:
        TooManyRequests: The account or the client address is locked after failed logins.
        Unauthorized: Wrong e-mail or password (the same answer, in the same time, for both).
    """
    keys = {account_key(attempt.email): ACCOUNT, address_key(attempt.address): ADDRESS}
    wait = await throttle.retry_after(list(keys))
    if wait:
        audit.warning(
            "login_throttled email=%r address=%s retry_after=%d", attempt.email, attempt.address, wait
        )
        raise TooManyRequests(f"too many failed logins; try again in {wait} s", retry_after=wait)
    user = await UserRepository(session).get_by_email(attempt.email)
    # An unknown e-mail is checked against a dummy hash: it takes as long as a wrong password.
    matches = security.verify_password(
        attempt.password, user.password_hash if user else security.dummy_hash()
    )
    if user is None or not user.is_active or not matches:
        locks = [await throttle.failed(key, policy) for key, policy in keys.items()]
        audit.warning(
            "login_failed email=%r address=%s locked_for=%d", attempt.email, attempt.address, max(locks)
        )
        raise Unauthorized("wrong e-mail or password")
    await throttle.clear(account_key(attempt.email))
    audit.info("login_succeeded user=%s address=%s", user.id, attempt.address)
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
