"""Quotas per role: rows per job, unfinished jobs at once, background tasks per minute.

Each role has its limits in the settings (``QUOTA_EDITOR_*``, ``QUOTA_ADMIN_*``; unset or empty: no
limit); viewers start no work, and would be held to the editors' limits if they could. A quota that
waiting lifts answers 429 with ``Retry-After``: tasks a minute (the seconds left in the user's window)
and unfinished jobs (a minute: jobs end at their own pace). A job with more rows than the role may ask
for answers 422 naming the limit: waiting changes nothing, the request must change.

Tasks are counted per user in a window of one minute that starts with the first task. The counters live
in Redis when the installation has one (every API process sees the same counts) and in the
``task_windows`` table otherwise, in the request's own transaction: a task whose request fails is not
counted, and SQLite's one writer at a time keeps concurrent counts exact. A refused task never moves
the end of the window.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Final, Protocol

from fastapi import Depends, Request
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import Settings
from app.core.errors import TooManyRequests, UnprocessableContent
from app.models import JobStatus, Role, User
from app.models.base import utcnow
from app.users.quota_repository import ActiveJobRepository, TaskWindowRepository

audit = logging.getLogger("app.audit")

WINDOW_SECONDS: Final = 60
# Unfinished jobs end at their own pace: a minute is a fair time to look again.
ACTIVE_JOBS_RETRY_SECONDS: Final = 60
UNFINISHED: Final = (JobStatus.pending, JobStatus.running, JobStatus.paused)


@dataclass(frozen=True, slots=True)
class Quota:
    """One role's limits; None is no limit."""

    max_job_rows: int | None
    max_active_jobs: int | None
    tasks_per_minute: int | None


def quota_of(settings: Settings, role: Role) -> Quota:
    """The limits of ``role`` (viewers get the editors' limits)."""
    if role is Role.admin:
        return Quota(
            settings.quota_admin_max_job_rows,
            settings.quota_admin_max_active_jobs,
            settings.quota_admin_tasks_per_minute,
        )
    return Quota(
        settings.quota_editor_max_job_rows,
        settings.quota_editor_max_active_jobs,
        settings.quota_editor_tasks_per_minute,
    )


class JobTooLarge(UnprocessableContent):
    """The job has more rows than the caller's role may ask for in one job."""

    error = "quota_exceeded"


async def check_new_job(session: AsyncSession, settings: Settings, user: User, rows: int) -> None:
    """Refuse a new job of ``rows`` rows past the role's size (422) or unfinished-job (429) limit."""
    check_job_rows(settings, user, rows)
    await check_active_jobs(session, settings, user)


def check_job_rows(settings: Settings, user: User, rows: int) -> None:
    """Refuse a job larger than the role's ``max_job_rows`` (422)."""
    limit = quota_of(settings, user.role).max_job_rows
    if limit is not None and rows > limit:
        raise JobTooLarge(
            f"this job would have {rows:,} rows; a {user.role.value} may start jobs of at most "
            f"{limit:,} rows (split the work into smaller jobs, or ask an admin)"
        )


async def check_active_jobs(session: AsyncSession, settings: Settings, user: User) -> None:
    """Refuse one more running job when the user already has the role's ``max_active_jobs`` (429)."""
    limit = quota_of(settings, user.role).max_active_jobs
    if limit is None:
        return
    active = await ActiveJobRepository(session).count_for(user.id, UNFINISHED)
    if active >= limit:
        audit.info("quota_exceeded user=%s quota=active_jobs limit=%d", user.id, limit)
        raise TooManyRequests(
            f"you have {active} unfinished jobs; a {user.role.value} may have at most {limit} "
            "pending, running or paused at once: wait for one to finish, or cancel one",
            retry_after=ACTIVE_JOBS_RETRY_SECONDS,
        )


class TaskCounter(Protocol):
    """Where the per-minute task counts live."""

    async def take(self, session: AsyncSession, key: str, limit: int) -> int:
        """Count one task of ``key`` unless ``limit`` are counted in its window already.

        Returns 0 when counted, else the seconds until the window ends.
        """

    async def close(self) -> None:
        """Release connections."""


class RedisTaskCounter:
    """Counts in Redis: ``quota:tasks:<user>`` expires with its window."""

    def __init__(self, url: str) -> None:
        self._redis = Redis.from_url(url)

    async def take(self, session: AsyncSession, key: str, limit: int) -> int:
        """Count one task (atomically: the window starts with the first and INCR counts)."""
        name = f"quota:{key}"
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.set(name, 0, ex=WINDOW_SECONDS, nx=True)
            pipe.incr(name)
            pipe.pttl(name)
            _, count, remaining_ms = await pipe.execute()
        if int(count) <= limit:
            return 0
        return max(1, math.ceil(int(remaining_ms) / 1000))

    async def close(self) -> None:
        """Close the connection pool."""
        await self._redis.aclose()


class DatabaseTaskCounter:
    """Counts in the ``task_windows`` table, in the request's transaction."""

    async def take(self, session: AsyncSession, key: str, limit: int) -> int:
        """Count one task, the counter's row locked until the request's transaction ends."""
        now = utcnow()
        row = await TaskWindowRepository(session).for_update(key, now)
        window = timedelta(seconds=WINDOW_SECONDS)
        started = row.started_at if row.started_at.tzinfo else row.started_at.replace(tzinfo=now.tzinfo)
        if now - started >= window:
            row.started_at, row.count = now, 0
            started = now
        if row.count >= limit:
            return max(1, math.ceil((started + window - now).total_seconds()))
        row.count += 1
        return 0

    async def close(self) -> None:
        """Nothing to release: the request's session is the caller's."""


def create_task_counter(settings: Settings) -> TaskCounter:
    """Redis when the installation has one, the database otherwise."""
    if settings.redis_url:
        return RedisTaskCounter(settings.redis_url)
    return DatabaseTaskCounter()


class TaskQuota:
    """What a service asks before it queues a background task a user started."""

    def __init__(self, counter: TaskCounter, settings: Settings) -> None:
        self._counter, self._settings = counter, settings

    async def take(self, session: AsyncSession, user: User) -> None:
        """Count one task of ``user``; 429 with ``Retry-After`` past the role's ``tasks_per_minute``."""
        limit = quota_of(self._settings, user.role).tasks_per_minute
        if limit is None:
            return
        wait = await self._counter.take(session, f"tasks:{user.id}", limit)
        if wait:
            audit.info("quota_exceeded user=%s quota=tasks_per_minute limit=%d", user.id, limit)
            raise TooManyRequests(
                f"a {user.role.value} may start {limit} background tasks a minute (diagnostics, duplicate "
                f"searches, fine-tunes, playground prompts); try again in {wait} s",
                retry_after=wait,
            )


def task_quota(request: Request) -> TaskQuota:
    """The app's task quota (a dependency)."""
    return TaskQuota(request.app.state.task_counter, request.app.state.settings)


TaskQuotaDep = Annotated[TaskQuota, Depends(task_quota)]
