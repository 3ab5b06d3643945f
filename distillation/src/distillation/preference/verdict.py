"""The pairwise judge: its prompt, its verdict's schema, a tolerant parser and the two-order decision.

The judge sees the conversation and two answers, A and B, and returns ``{"winner": "A"|"B"|"tie",
"score_a": 0-10, "score_b": 0-10, "reason": ...}``. Each prompt is judged twice with the answers
swapped; :func:`decide_pair` keeps a pair only when both orders prefer the same model by at least the
margin asked for, so a judge that favours a position (the first answer, say) keeps nothing.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from distillation.datatypes import DataType, PromptRenderer, RenderedPrompt, default_renderer
from distillation.datatypes.jsonish import extract_json_object
from distillation.quality.judge import CRITERIA

# The JSON-schema name of a verdict, as the provider sees it.
VERDICT_SCHEMA_NAME = "pairwise_verdict"
MAX_REASON_CHARS = 500
# How much better (on 0-10) the preferred answer must score in both orders, unless told otherwise.
DEFAULT_MIN_MARGIN = 2.0

Side = Literal["teacher", "student"]
Order = Literal["teacher-first", "student-first"]
# Why a judged pair is not kept (the rejection reasons' stable keys).
POSITION_INCONSISTENT = "position-inconsistent"
TIE = "tie"
BELOW_MARGIN = "below margin"
UNPARSABLE = "judge output unparsable"


class PairwiseVerdict(BaseModel):
    """What the judge returns for one order of the two answers."""

    model_config = ConfigDict(extra="forbid")

    winner: Literal["A", "B", "tie"] = Field(description='The better answer: "A", "B" or "tie".')
    score_a: Annotated[float, Field(ge=0, le=10, description="Answer A's quality (0-10).")]
    score_b: Annotated[float, Field(ge=0, le=10, description="Answer B's quality (0-10).")]
    reason: str = Field(max_length=MAX_REASON_CHARS, description="Why, in one or two sentences.")


def verdict_schema() -> dict[str, Any]:
    """The JSON schema of :class:`PairwiseVerdict`, for constrained decoding."""
    return PairwiseVerdict.model_json_schema()


def pairwise_prompt(
    messages: Sequence[Mapping[str, Any]],
    answer_a: str,
    answer_b: str,
    *,
    datatype: DataType[Any],
    instruction: str | None = None,
    renderer: PromptRenderer | None = None,
) -> RenderedPrompt:
    """Render the pairwise judge prompt (``pairwise_judge.jinja2``) for one order of the answers.

    Args:
        messages: The conversation both answers continue.
        answer_a: The answer shown first.
        answer_b: The answer shown second.
        datatype: The run's data type: a task spec's policy and rubric reach the judge through it.
        instruction: What the answers are for, if the run has one.
        renderer: Renderer with user template overrides.
    """
    return (renderer or default_renderer()).render(
        "pairwise_judge",
        messages=[dict(m) for m in messages],
        answer_a=answer_a,
        answer_b=answer_b,
        instruction=instruction,
        datatype=datatype.prompt_info(),
        criteria=[{"name": c.name, "description": c.description} for c in CRITERIA],
        schema_json=json.dumps(verdict_schema(), ensure_ascii=False, indent=2),
    )


def parse_verdict(text: str) -> tuple[PairwiseVerdict | None, str | None]:
    """The verdict in a judge's reply, tolerating fences, prose and ``"a"``/``"Tie"`` spellings.

    Returns:
        (verdict, None), or (None, why) when the reply holds no valid verdict.
    """
    extraction = extract_json_object(text)
    if extraction.value is None:
        return None, f"no JSON object: {extraction.error}"
    data = dict(extraction.value)
    winner = data.get("winner")
    if isinstance(winner, str):
        spelled = winner.strip().strip(".").casefold()
        data["winner"] = {"a": "A", "b": "B", "tie": "tie"}.get(spelled, winner)
    if isinstance(data.get("reason"), str):
        data["reason"] = data["reason"][:MAX_REASON_CHARS]
    try:
        return PairwiseVerdict.model_validate(data), None
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'verdict'}: {e['msg']}" for e in exc.errors())
        return None, problems


class Verdict(BaseModel):
    """One order's verdict, as recorded on the pair.

    Attributes:
        order: Which answer was shown as A: ``teacher-first`` (A is the teacher's) or ``student-first``.
        winner: The judge's own word: "A", "B" or "tie" (None when the reply could not be parsed).
        preferred: The model that word names: "teacher", "student", or "tie".
        teacher_score: The teacher's answer's score in this order.
        student_score: The student's answer's score in this order.
        reason: The judge's reason, or why its reply could not be parsed.
        model: The judge.
    """

    order: Order
    winner: Literal["A", "B", "tie"] | None = None
    preferred: Literal["teacher", "student", "tie"] | None = None
    teacher_score: float | None = None
    student_score: float | None = None
    reason: str = ""
    model: str = ""

    @classmethod
    def read(cls, order: Order, text: str, model: str) -> Verdict:
        """The verdict of the judge's reply ``text`` to the prompt shown in ``order``."""
        parsed, error = parse_verdict(text)
        if parsed is None:
            return cls(order=order, reason=f"{UNPARSABLE}: {error}", model=model)
        teacher_first = order == "teacher-first"
        named: dict[str, Literal["teacher", "student", "tie"]] = {
            "A": "teacher" if teacher_first else "student",
            "B": "student" if teacher_first else "teacher",
            "tie": "tie",
        }
        return cls(
            order=order,
            winner=parsed.winner,
            preferred=named[parsed.winner],
            teacher_score=parsed.score_a if teacher_first else parsed.score_b,
            student_score=parsed.score_b if teacher_first else parsed.score_a,
            reason=parsed.reason,
            model=model,
        )

    def margin(self, side: Side) -> float:
        """How much higher this verdict scores ``side``'s answer than the other (negative: lower)."""
        if self.teacher_score is None or self.student_score is None:
            return 0.0
        difference = self.teacher_score - self.student_score
        return difference if side == "teacher" else -difference


@dataclass(frozen=True, slots=True)
class PairDecision:
    """What the two verdicts decide.

    Attributes:
        preferred: The model whose answer is chosen when kept (and the one both orders named, if any).
        margin: The smaller of the two orders' margins for ``preferred``.
        kept: Whether the pair becomes a row.
        reason: Why it is kept or not; a rejection's starts with its stable key (``tie``...).
    """

    preferred: Side | None
    margin: float | None
    kept: bool
    reason: str

    @property
    def position_inconsistent(self) -> bool:
        """Whether the two orders named different winners (the judge followed the position)."""
        return self.reason.startswith(POSITION_INCONSISTENT)


def decide_pair(first: Verdict, second: Verdict, min_margin: float) -> PairDecision:
    """Keep the pair when both orders prefer the same model with a margin of at least ``min_margin``."""
    for verdict in (first, second):
        if verdict.preferred is None:
            return PairDecision(None, None, False, verdict.reason)
    if first.preferred != second.preferred:
        said = f"{first.order} preferred {first.preferred}, {second.order} preferred {second.preferred}"
        return PairDecision(None, None, False, f"{POSITION_INCONSISTENT}: {said}")
    if first.preferred == "tie":
        return PairDecision(None, None, False, f"{TIE}: both orders judged the answers equal")
    side: Side = "teacher" if first.preferred == "teacher" else "student"
    margin = min(first.margin(side), second.margin(side))
    if margin < min_margin:
        why = f"{BELOW_MARGIN}: the {side} won by {margin:g} < min_margin {min_margin:g}"
        return PairDecision(side, margin, False, why)
    return PairDecision(side, margin, True, f"both orders preferred the {side} by at least {margin:g}")
