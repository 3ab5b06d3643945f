"""Model-pair advice for the wizard: students and cheap judges for a teacher, with their savings.

The library's :func:`distillation.pipeline.advice.advise` chooses from the price catalogue
(``genai-prices`` and the operator's overrides); each suggestion is then priced by the service's own
estimate (:func:`app.jobs.estimate.estimate`: past jobs' usage of the data type, else the offline token
model), so its figures are the ones the wizard's estimate shows once the suggestion is taken, at the
default settings. Nothing is sent to a provider.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.errors import BadRequest
from app.jobs.estimate import estimate
from app.jobs.schemas import Money
from app.kit.schemas import Schema
from distillation.cost import PriceTable
from distillation.datatypes import get_datatype
from distillation.pipeline import GenerationConfig, JudgePolicy
from distillation.pipeline.advice import Suggestion, advise


class SuggestionRead(Schema):
    """A student or cheap judge for the teacher, with the planned job's estimate."""

    model: str
    role: Literal["student", "judge"]
    input_per_mtok_usd: Money
    output_per_mtok_usd: Money
    price_ratio: Money = Field(description="A typical call's price against the teacher's (0.06 = 6%).")
    context_window: int | None = Field(description="Input tokens it accepts; null when unknown.")
    structured_output: Literal["native", "none"] | None = Field(
        description="native: the provider documents a schema mode; none: it documents none; null: unknown."
    )
    estimated_cost_usd: Money
    teacher_only_usd: Money
    savings_usd: Money
    savings_percent: Money | None
    notes: list[str]


class AdviceRead(Schema):
    """Students and cheap judges for a teacher, best first (the teacher's provider first)."""

    teacher: str
    teacher_context_window: int | None
    data_type: str
    count: int
    students: list[SuggestionRead]
    judges: list[SuggestionRead] = Field(description="Cheap judges, priced with the first student.")


async def advice(
    session: AsyncSession,
    prices: PriceTable,
    *,
    teacher: str,
    data_type: str,
    count: int,
    max_tokens: int,
    limit: int,
) -> AdviceRead:
    """The advice, or 400 when the teacher has no price or the data type is unknown."""
    try:
        get_datatype(data_type)
        found = advise(
            teacher,
            prices,
            data_type=data_type,
            count=count,
            max_tokens=max_tokens,
            limit=limit,
        )
    except (KeyError, ValueError) as exc:
        raise BadRequest(str(exc).strip("'\"")) from exc
    base = GenerationConfig(data_type=data_type, count=count, teacher=teacher, max_tokens=max_tokens)
    student = found.students[0].model_id if found.students else base.student
    students = [
        await _priced(session, prices, s, base.model_copy(update={"student": s.model_id}))
        for s in found.students
    ]
    judges = [
        await _priced(
            session,
            prices,
            s,
            base.model_copy(update={"student": student, "judge_policy": JudgePolicy(cheap_judge=s.model_id)}),
        )
        for s in found.judges
    ]
    return AdviceRead(
        teacher=found.teacher,
        teacher_context_window=found.teacher_context_window,
        data_type=found.data_type,
        count=found.count,
        students=_ranked(teacher, students),
        judges=_ranked(teacher, judges),
    )


def _ranked(teacher: str, suggestions: list[SuggestionRead]) -> list[SuggestionRead]:
    """The library's order on the service's figures: the teacher's provider first, then the saving."""
    provider = teacher.partition(":")[0]
    return sorted(
        suggestions,
        key=lambda s: (
            s.model.partition(":")[0] != provider,
            -s.savings_usd,
            -(s.context_window or 0),
            s.model,
        ),
    )


async def _priced(
    session: AsyncSession, prices: PriceTable, s: Suggestion, config: GenerationConfig
) -> SuggestionRead:
    """The suggestion with the service's estimate of the job that takes it (the library's when unpriced)."""
    read = _read(s)
    projected = await estimate(session, config, prices)
    if projected.total_usd is None or projected.teacher_only_usd is None or projected.savings_usd is None:
        return read
    return read.model_copy(
        update={
            "estimated_cost_usd": projected.total_usd,
            "teacher_only_usd": projected.teacher_only_usd,
            "savings_usd": projected.savings_usd,
            "savings_percent": projected.savings_percent,
        }
    )


def _read(s: Suggestion) -> SuggestionRead:
    return SuggestionRead(
        model=s.model_id,
        role=s.role,
        input_per_mtok_usd=s.input_per_mtok,
        output_per_mtok_usd=s.output_per_mtok,
        price_ratio=s.price_ratio,
        context_window=s.context_window,
        structured_output=s.structured_output,
        estimated_cost_usd=s.estimated_cost,
        teacher_only_usd=s.teacher_only,
        savings_usd=s.savings,
        savings_percent=s.savings_percent,
        notes=list(s.notes),
    )
