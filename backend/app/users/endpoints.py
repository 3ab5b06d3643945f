"""Users: admins list, create, change and delete them; everyone changes their own password."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Request

from app.auth.deps import SESSION_COOKIE, CurrentUser, require_role, require_scope
from app.auth.schemas import UserRead
from app.core.deps import SessionDep, SettingsDep
from app.core.errors import Conflict, Forbidden, NotFound, Unauthorized, error_responses
from app.kit.pagination import PaginationDep
from app.kit.schemas import Page
from app.models import Role, TokenScope, User
from app.users import quotas, service
from app.users.repository import UserRepository
from app.users.schemas import PasswordChange, QuotaRead, UserCreate, UserUpdate

router = APIRouter(prefix="/users", tags=["users"])
Admin = Annotated[User, require_role(Role.admin)]
# Any role changes its own password; a read-only API token changes nothing.
Myself = Annotated[User, require_scope(TokenScope.write)]
ADMIN_ERRORS = error_responses(Unauthorized, Forbidden)


@router.get("", responses=ADMIN_ERRORS)
async def list_users(_: Admin, session: SessionDep, pagination: PaginationDep) -> Page[UserRead]:
    """Every user, by e-mail."""
    rows, total = await UserRepository(session).page_by_email(pagination)
    return pagination.of([UserRead.model_validate(u) for u in rows], total)


@router.post("", status_code=201, responses=ADMIN_ERRORS | error_responses(Conflict))
async def create_user(body: UserCreate, _: Admin, session: SessionDep) -> UserRead:
    """A new user with a role and a password."""
    return UserRead.model_validate(await service.create(session, body))


@router.post("/me/password", status_code=204, responses=error_responses(Unauthorized, Forbidden))
async def change_password(body: PasswordChange, user: Myself, request: Request, session: SessionDep) -> None:
    """Change the caller's password; their other dashboard sessions end, and with ``revoke_tokens``
    their API tokens too."""
    await service.change_password(session, user, body, request.cookies.get(SESSION_COOKIE))


@router.get("/me/quotas", responses=error_responses(Unauthorized))
async def my_quotas(user: CurrentUser, settings: SettingsDep) -> QuotaRead:
    """The caller's quotas: rows per job, unfinished jobs at once, background tasks a minute."""
    quota = quotas.quota_of(settings, user.role)
    return QuotaRead(
        role=user.role,
        max_job_rows=quota.max_job_rows,
        max_active_jobs=quota.max_active_jobs,
        tasks_per_minute=quota.tasks_per_minute,
    )


@router.get("/{user_id}", responses=ADMIN_ERRORS | error_responses(NotFound))
async def get_user(user_id: uuid.UUID, _: Admin, session: SessionDep) -> UserRead:
    """One user."""
    return UserRead.model_validate(await service.get(session, user_id))


@router.patch("/{user_id}", responses=ADMIN_ERRORS | error_responses(NotFound, Conflict))
async def update_user(user_id: uuid.UUID, body: UserUpdate, admin: Admin, session: SessionDep) -> UserRead:
    """Change a user's role, or deactivate (``is_active: false``) or reactivate them (not yourself)."""
    return UserRead.model_validate(await service.update(session, admin, user_id, body))


@router.delete("/{user_id}", status_code=204, responses=ADMIN_ERRORS | error_responses(NotFound, Conflict))
async def delete_user(user_id: uuid.UUID, admin: Admin, session: SessionDep) -> None:
    """Delete a user; their tokens and sessions go, their datasets stay without an owner."""
    await service.delete(session, admin, user_id)
