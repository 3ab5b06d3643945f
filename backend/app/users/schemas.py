"""Users as admins manage them, and the password change of the caller."""

from __future__ import annotations

from pydantic import Field

from app.kit.schemas import Schema
from app.models import Role

EMAIL_PATTERN = r"^[^@\s\x00-\x1f\x7f]+@[^@\s\x00-\x1f\x7f]+$"
MIN_PASSWORD = 8


class UserCreate(Schema):
    """A new login."""

    email: str = Field(min_length=3, max_length=320, pattern=EMAIL_PATTERN)
    role: Role = Role.viewer
    password: str = Field(min_length=MIN_PASSWORD, max_length=1024)


class UserUpdate(Schema):
    """Fields to change; the ones not sent stay as they are."""

    role: Role | None = None
    is_active: bool | None = None


class PasswordChange(Schema):
    """The current password, to prove it is the user, and the new one."""

    current_password: str = Field(min_length=1, max_length=1024)
    new_password: str = Field(min_length=MIN_PASSWORD, max_length=1024)
    revoke_tokens: bool = Field(
        default=False, description="Also revoke every API token of the user (the one sending this too)"
    )


class QuotaRead(Schema):
    """The caller's limits, from their role (null: no limit)."""

    role: Role
    max_job_rows: int | None = Field(description="Most rows one job may have (more: 422).")
    max_active_jobs: int | None = Field(
        description="Most pending, running or paused jobs at once (one more: 429 with Retry-After)."
    )
    tasks_per_minute: int | None = Field(
        description="Most background tasks (diagnostics, duplicate searches, fine-tunes, playground "
        "prompts) started in a minute (one more: 429 with Retry-After)."
    )
