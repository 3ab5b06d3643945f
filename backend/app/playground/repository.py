"""SQL of the playground's spend: its calls are ledger rows of no job, held against the global budget."""

from __future__ import annotations

import uuid
from decimal import Decimal

from sqlalchemy import or_, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.jobs.ledger_repository import GLOBAL, roll_period
from app.models import CallStatus, GlobalBudget, LlmCall
from distillation.pipeline.types import Stage

STAGE = Stage.playground


async def reserve_call(
    session: AsyncSession,
    *,
    model_id: str,
    fingerprint: str,
    attempt: int,
    amount: Decimal,
    stage: str = STAGE,
    item_key: str | None = None,
) -> uuid.UUID | None:
    """A reserved ledger row of no job holding ``amount`` against the global budget; None when it would
    pass it. ``stage`` and ``item_key`` label spend outside jobs: the playground's, a task spec's policy
    draft, an evaluation's."""
    await roll_period(session)
    within = or_(
        GlobalBudget.limit_usd.is_(None),
        GlobalBudget.spent_usd + GlobalBudget.reserved_usd + GlobalBudget.unknown_usd + amount
        <= GlobalBudget.limit_usd,
    )
    held = await session.execute(
        update(GlobalBudget)
        .where(GlobalBudget.id == GLOBAL, within)
        .values(reserved_usd=GlobalBudget.reserved_usd + amount)
    )
    if not held.rowcount and await session.get(GlobalBudget, GLOBAL) is not None:  # type: ignore[attr-defined]
        return None
    provider, _, model = model_id.partition(":")
    call = LlmCall(
        stage=stage,
        item_key=item_key,
        provider=provider,
        model=model,
        fingerprint=fingerprint,
        attempt=attempt,
        status=CallStatus.reserved,
        reserved_usd=amount,
    )
    session.add(call)
    await session.flush()
    return call.id
