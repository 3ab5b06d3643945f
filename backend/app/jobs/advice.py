"""Model-pair advice for the wizard: students and cheap judges for a teacher, with their savings.

The library's :func:`distillation.pipeline.advice.advise` over the price catalogue (``genai-prices``
and the operator's overrides); each suggestion is priced into the planned job by the keyless
estimator, so nothing is sent to a provider.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from app.core.errors import BadRequest
from app.jobs.schemas import Money
from app.kit.schemas import Schema
from distillation.cost import PriceTable
from distillation.datatypes import get_datatype
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


def advice(
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
    return AdviceRead(
        teacher=found.teacher,
        teacher_context_window=found.teacher_context_window,
        data_type=found.data_type,
        count=found.count,
        students=[_read(s) for s in found.students],
        judges=[_read(s) for s in found.judges],
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
