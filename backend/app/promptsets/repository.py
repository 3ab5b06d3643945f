"""SQL for prompt sets and their prompts."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Prompt, PromptSet


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


async def first_prompts(session: AsyncSession, prompt_set_id: uuid.UUID, limit: int) -> list[Prompt]:
    """The set's first ``limit`` prompts, in order."""
    query = select(Prompt).where(Prompt.prompt_set_id == prompt_set_id).order_by(Prompt.position).limit(limit)
    return list((await session.scalars(query)).all())


async def all_prompts(session: AsyncSession, prompt_set_id: uuid.UUID) -> list[Prompt]:
    """Every prompt of the set, in order."""
    query = select(Prompt).where(Prompt.prompt_set_id == prompt_set_id).order_by(Prompt.position)
    return list((await session.scalars(query)).all())


async def prompt_at(session: AsyncSession, prompt_set_id: uuid.UUID, position: int) -> Prompt | None:
    """The prompt at ``position`` of the set."""
    return await session.get(Prompt, (prompt_set_id, position))
