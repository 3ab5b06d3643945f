"""SQL for prompt sets, their versions and their prompts.

A prompt is live in version N when ``added_in <= N`` and it was not removed by N; the current version's
prompts are those with ``removed_in`` null.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, delete, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.kit.pagination import Pagination
from app.kit.repository import Repository
from app.models import Job, JobKind, JobStatus, Prompt, PromptSet, PromptSetVersion
from app.models.base import utcnow

# The job kinds that answer a prompt set, and the statuses in which a job still reads it.
PROMPT_JOB_KINDS = (JobKind.relabel, JobKind.preference)
UNFINISHED = (JobStatus.pending, JobStatus.running, JobStatus.paused)


def live_in(prompt_set_id: uuid.UUID, version: int | None = None) -> ColumnElement[bool]:
    """The set's prompts in ``version`` (None: the current one)."""
    if version is None:
        return (Prompt.prompt_set_id == prompt_set_id) & Prompt.removed_in.is_(None)
    return (
        (Prompt.prompt_set_id == prompt_set_id)
        & (Prompt.added_in <= version)
        & or_(Prompt.removed_in.is_(None), Prompt.removed_in > version)
    )


async def add_set(session: AsyncSession, prompt_set: PromptSet) -> PromptSet:
    """Insert a prompt set (its id is set)."""
    session.add(prompt_set)
    await session.flush()
    return prompt_set


async def add_prompts(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Insert prompts (``Prompt`` columns as dicts), in one statement."""
    if rows:
        await session.execute(insert(Prompt), list(rows))


async def get_set(session: AsyncSession, prompt_set_id: uuid.UUID) -> PromptSet | None:
    """A prompt set by id."""
    return await session.get(PromptSet, prompt_set_id)


async def first_prompts(
    session: AsyncSession, prompt_set_id: uuid.UUID, limit: int, version: int | None = None
) -> list[Prompt]:
    """The first ``limit`` prompts of ``version`` (None: the current one), in order."""
    query = select(Prompt).where(live_in(prompt_set_id, version)).order_by(Prompt.position).limit(limit)
    return list((await session.scalars(query)).all())


async def all_prompts(
    session: AsyncSession, prompt_set_id: uuid.UUID, version: int | None = None
) -> list[Prompt]:
    """Every prompt of ``version`` (None: the current one), in order."""
    query = select(Prompt).where(live_in(prompt_set_id, version)).order_by(Prompt.position)
    return list((await session.scalars(query)).all())


async def prompt_at(session: AsyncSession, prompt_set_id: uuid.UUID, position: int) -> Prompt | None:
    """The prompt at ``position`` of the set, removed or not (a job answers the version it started on)."""
    return await session.get(Prompt, (prompt_set_id, position))


async def live_fingerprints(session: AsyncSession, prompt_set_id: uuid.UUID) -> set[str]:
    """The fingerprints of the current version's prompts."""
    query = select(Prompt.fingerprint).where(live_in(prompt_set_id))
    return set((await session.scalars(query)).all())


async def next_position(session: AsyncSession, prompt_set_id: uuid.UUID) -> int:
    """The position an appended prompt takes (positions are never reused)."""
    query = select(func.max(Prompt.position)).where(Prompt.prompt_set_id == prompt_set_id)
    last = await session.scalar(query)
    return 0 if last is None else int(last) + 1


async def live_positions(
    session: AsyncSession, prompt_set_id: uuid.UUID, positions: Sequence[int]
) -> set[int]:
    """Those of ``positions`` that are in the current version."""
    query = select(Prompt.position).where(live_in(prompt_set_id), Prompt.position.in_(list(positions)))
    return set((await session.scalars(query)).all())


async def remove_prompts(
    session: AsyncSession, prompt_set_id: uuid.UUID, positions: Sequence[int], version: int
) -> None:
    """Close the live prompts at ``positions`` at ``version`` (their rows stay for earlier versions)."""
    await session.execute(
        update(Prompt)
        .where(live_in(prompt_set_id), Prompt.position.in_(list(positions)))
        .values(removed_in=version)
    )


async def bump_version(session: AsyncSession, prompt_set_id: uuid.UUID) -> int:
    """Increment the set's version atomically (the UPDATE takes the row's write lock); the new number."""
    result = await session.execute(
        update(PromptSet)
        .where(PromptSet.id == prompt_set_id)
        .values(version=PromptSet.version + 1, updated_at=utcnow())
        .returning(PromptSet.version)
    )
    return int(result.scalar_one())


async def count_live(session: AsyncSession, prompt_set_id: uuid.UUID) -> int:
    """Prompts in the current version."""
    query = select(func.count()).select_from(Prompt).where(live_in(prompt_set_id))
    return int(await session.scalar(query) or 0)


async def set_prompt_count(session: AsyncSession, prompt_set_id: uuid.UUID) -> int:
    """Recount the current version's prompts into the set row; the count."""
    count = await count_live(session, prompt_set_id)
    await session.execute(update(PromptSet).where(PromptSet.id == prompt_set_id).values(prompt_count=count))
    return count


class PromptSetRepository(Repository[PromptSet]):
    """Prompt sets as a paged list."""

    model = PromptSet

    async def page_newest(
        self, owner_id: uuid.UUID | None, pagination: Pagination
    ) -> tuple[list[PromptSet], int]:
        """The sets of ``owner_id`` (None: everyone's), newest first, with the total."""
        query = self.statement()
        if owner_id is not None:
            query = query.where(PromptSet.owner_id == owner_id)
        return await self.paginate(query, pagination, order_by=[PromptSet.created_at.desc(), PromptSet.id])


class PromptSetVersionRepository(Repository[PromptSetVersion]):
    """Why each version of a prompt set exists, keyed by (set id, number)."""

    model = PromptSetVersion

    async def page_newest(
        self, prompt_set_id: uuid.UUID, pagination: Pagination
    ) -> tuple[list[PromptSetVersion], int]:
        """Newest version first, with the total."""
        query = self.statement().where(PromptSetVersion.prompt_set_id == prompt_set_id)
        return await self.paginate(query, pagination, order_by=[PromptSetVersion.number.desc()])


async def jobs_using(session: AsyncSession, prompt_set_id: uuid.UUID) -> list[uuid.UUID]:
    """The unfinished relabel and preference jobs that answer the set (their config names it)."""
    query = select(Job.id, Job.config).where(Job.kind.in_(PROMPT_JOB_KINDS), Job.status.in_(UNFINISHED))
    wanted = str(prompt_set_id)
    return [
        job_id
        for job_id, config in (await session.execute(query)).all()
        if config.get("prompt_set_id") == wanted
    ]


async def delete_set(session: AsyncSession, prompt_set_id: uuid.UUID) -> None:
    """Delete a set with its prompts and versions."""
    # Explicit deletes: SQLite only cascades when foreign keys are on.
    await session.execute(delete(Prompt).where(Prompt.prompt_set_id == prompt_set_id))
    await session.execute(delete(PromptSetVersion).where(PromptSetVersion.prompt_set_id == prompt_set_id))
    await session.execute(delete(PromptSet).where(PromptSet.id == prompt_set_id))
