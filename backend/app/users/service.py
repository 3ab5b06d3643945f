"""Managing users (admins only), and users changing their own password."""

from __future__ import annotations

import uuid

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import security
from app.auth.repository import UserSessionRepository
from app.core.errors import Conflict, NotFound, Unauthorized
from app.models import Role, User
from app.tokens.service import revoke_all
from app.users.repository import UserRepository
from app.users.schemas import PasswordChange, UserCreate, UserUpdate


async def create(session: AsyncSession, body: UserCreate) -> User:
    """A new user; e-mails are unique regardless of case."""
    if await UserRepository(session).get_by_email(body.email) is not None:
        raise Conflict(f"a user with e-mail {body.email} exists")
    password_hash = security.hash_password(body.password)
    try:
        return await UserRepository(session).add_user(body.email, password_hash, body.role)
    except IntegrityError as exc:
        # Another request created the same address between the check and the insert.
        raise Conflict(f"a user with e-mail {body.email} exists") from exc


async def get(session: AsyncSession, user_id: uuid.UUID) -> User:
    """A user, or 404."""
    user = await UserRepository(session).get(user_id)
    if user is None:
        raise NotFound(f"no user {user_id}")
    return user


async def update(session: AsyncSession, admin: User, user_id: uuid.UUID, body: UserUpdate) -> User:
    """Change a user's role or deactivate them; the last active admin cannot lose the role, and no
    admin can take it from themselves (another admin can), so no one locks themselves out by mistake."""
    user = await get(session, user_id)
    changes = body.model_dump(exclude_unset=True, exclude_none=True)
    demoted = changes.get("role", Role.admin) is not Role.admin or changes.get("is_active") is False
    if demoted and user.id == admin.id:
        raise Conflict("you cannot take away your own admin role or deactivate yourself; another admin can")
    if demoted and user.role is Role.admin and user.is_active:
        await _keep_an_admin(session)
    await UserRepository(session).update(user, changes)
    if user.is_active is False:
        # Reactivating a user later gives them a fresh start: no old session or token comes back.
        await UserSessionRepository(session).end_sessions(user.id)
        await revoke_all(session, user.id)
    return user


async def delete(session: AsyncSession, admin: User, user_id: uuid.UUID) -> None:
    """Delete a user other than the caller; their datasets stay, without an owner."""
    user = await get(session, user_id)
    if user.id == admin.id:
        raise Conflict("you cannot delete your own account; another admin can")
    if user.role is Role.admin and user.is_active:
        await _keep_an_admin(session)
    await UserRepository(session).delete(user)


async def change_password(
    session: AsyncSession, user: User, body: PasswordChange, current_session_token: str | None
) -> None:
    """Set a new password after checking the current one; the user's other sessions end, and their
    API tokens are revoked when the body asks for it."""
    if not security.verify_password(body.current_password, user.password_hash):
        raise Unauthorized("the current password is wrong")
    user.password_hash = security.hash_password(body.new_password)
    keep = security.token_hash(current_session_token) if current_session_token else None
    await UserSessionRepository(session).end_sessions(user.id, keep_hash=keep)
    if body.revoke_tokens:
        await revoke_all(session, user.id)


async def _keep_an_admin(session: AsyncSession) -> None:
    if await UserRepository(session).count_active_admins() <= 1:
        raise Conflict("this is the last active admin; make another user admin first")
