"""The student-first cascade of a relabel run: what each prompt went through, the report and the pilot.

With a :class:`Cascade`, the :class:`~distillation.relabel.Relabeler` has the student answer each
prompt first; the judge and the structure checks score that answer, and a prompt whose answer is
unusable (an error, cut off, empty), fails a check, cannot be judged or scores below
``escalate_below`` is re-answered by the teacher, whose answer then gets the normal checks. Each
prompt leaves a :class:`CascadeTrace`; :func:`cascade_report` sums them (share escalated, cost
against teacher-only, quality per path) and :func:`pilot_report` turns a pilot's traces (where the
teacher answered every prompt too) into a threshold table and a recommendation.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from decimal import Decimal
from statistics import fmean
from typing import Literal

from pydantic import BaseModel, Field, computed_field

from distillation.pipeline.types import CallRecord, Stage

# The stage of the student's answer to a user's prompt (call records, the ledger hook, spend by stage).
STUDENT_STAGE = Stage.relabel_student

CascadePath = Literal["student", "teacher-escalated"]
# Thresholds a pilot tries: 0, 0.5, ..., 10 (a score below the threshold escalates).
PILOT_THRESHOLDS = tuple(step / 2 for step in range(21))

PriceOf = Callable[[str, int, int], Decimal | None]


class Cascade(BaseModel):
    """How a relabel run cascades from the student to the teacher.

    Attributes:
        escalate_below: A student answer whose judge score is below this goes to the teacher.
        teacher_always: The teacher answers (and the judge scores) every prompt too (a pilot): the
            rows are still the cascade's, the teacher's extra answers are only recorded in the traces.
    """

    escalate_below: float = Field(default=7.0, ge=0, le=10)
    teacher_always: bool = False


class CascadeTrace(BaseModel):
    """What one prompt went through in a cascade.

    Attributes:
        key: The prompt's item key.
        path: Which answer the row holds: the student's, or the teacher's after an escalation.
        student_model: The student's model id.
        student_score: The judge's score of the student's answer (None when not judged).
        escalation: Why the prompt went to the teacher (None when the student's answer was kept).
        escalation_kind: The reason's kind: "low score", "failed checks", "unusable output" or
            "judge output unparsable".
        student_calls: The student's answer and its judging.
        teacher_calls: The teacher's answer and its judging (empty when not asked).
        teacher_score: The judge's score of the teacher's answer, if judged.
        teacher_accepted: Whether the teacher's answer became the row (None when not asked).
        teacher_judged: Whether the teacher's answer would be judged in a teacher-only run (the sample).
    """

    key: str
    path: CascadePath
    student_model: str
    student_score: float | None = None
    escalation: str | None = None
    escalation_kind: str | None = None
    student_calls: list[CallRecord] = Field(default_factory=list)
    teacher_calls: list[CallRecord] = Field(default_factory=list)
    teacher_score: float | None = None
    teacher_accepted: bool | None = None
    teacher_judged: bool = True

    def provenance(self) -> dict[str, object]:
        """The summary kept in a row's provenance: path, student model and score, why it escalated."""
        return {
            "path": self.path,
            "student_model": self.student_model,
            "student_score": self.student_score,
            "escalation": self.escalation,
        }

    def escalates_at(self, threshold: float) -> bool:
        """Whether this prompt would go to the teacher with ``escalate_below`` = ``threshold``."""
        if self.student_score is None:
            return True  # unusable, failed a check or not judgeable: always escalated
        return self.student_score < threshold


class PathQuality(BaseModel):
    """One path's outcome.

    Attributes:
        answered: Prompts this path answered (the student: every prompt; the teacher: the escalated).
        accepted: Rows this path's answers became.
        mean_score: The judge's mean score of this path's accepted rows (None when none was judged).
    """

    answered: int = 0
    accepted: int = 0
    mean_score: float | None = None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def acceptance(self) -> float | None:
        """Share of this path's answers that became rows."""
        return self.accepted / self.answered if self.answered else None


class CascadeReport(BaseModel):
    """The cascade's part of a relabel report.

    Costs count every call behind the prompts that finished, answers from the cache priced as they
    were paid (so a resumed run reports the whole dataset's cost, not only this run's).

    Attributes:
        student: The student's model id.
        escalate_below: The threshold used.
        prompts: Prompts the cascade finished.
        escalated: Prompts the teacher re-answered.
        escalation_reasons: Escalations by kind.
        cost_usd: What the cascade's calls cost (the student's answers and judging, the teacher's).
        teacher_only_usd: What the teacher answering every prompt with the same judging would cost:
            the escalated prompts' actual teacher calls, plus, for each kept student row, the teacher's
            price of the student's input tokens and the mean output tokens of the teacher's answers
            (the student's own when the teacher answered none), and the judging of the student's answer
            where a teacher-only run would judge it.
        student_path: Outcome of the student's answers.
        teacher_path: Outcome of the teacher's answers to escalated prompts.
    """

    student: str
    escalate_below: float
    prompts: int = 0
    escalated: int = 0
    escalation_reasons: dict[str, int] = Field(default_factory=dict)
    cost_usd: Decimal = Decimal(0)
    teacher_only_usd: Decimal = Decimal(0)
    student_path: PathQuality = Field(default_factory=PathQuality)
    teacher_path: PathQuality = Field(default_factory=PathQuality)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def escalated_share(self) -> float:
        """Share of the finished prompts the teacher re-answered."""
        return self.escalated / self.prompts if self.prompts else 0.0

    @computed_field  # type: ignore[prop-decorator]
    @property
    def saved_usd(self) -> Decimal:
        """Teacher-only cost minus the cascade's (negative when the cascade cost more)."""
        return self.teacher_only_usd - self.cost_usd

    @computed_field  # type: ignore[prop-decorator]
    @property
    def saved_share(self) -> float | None:
        """The saving as a share of the teacher-only cost."""
        return float(self.saved_usd / self.teacher_only_usd) if self.teacher_only_usd else None


class ThresholdOption(BaseModel):
    """What a pilot says of one threshold.

    Attributes:
        threshold: ``escalate_below``.
        escalated_share: Share of the pilot's prompts the teacher would re-answer.
        cost_usd: Estimated cost of the full run (the pilot's mean cost per prompt × the prompts).
        kept_mean: Mean judge score of the student answers kept (None when none is kept).
        mixed_mean: Mean judge score of the resulting rows (kept student answers, teacher answers).
    """

    threshold: float
    escalated_share: float
    cost_usd: Decimal
    kept_mean: float | None
    mixed_mean: float | None


class PilotReport(BaseModel):
    """A pilot's threshold table and recommendation.

    Attributes:
        prompts: Prompts in the pilot.
        total_prompts: Prompts of the full run the estimates are for.
        teacher_mean: Mean judge score of the teacher's answers.
        teacher_only_usd: Estimated cost of the full run with the teacher alone (its answers and judging).
        margin: How far below the teacher's mean the kept student answers may score.
        options: One per threshold of :data:`PILOT_THRESHOLDS`.
        recommended: The lowest threshold (so the fewest escalations) whose kept student answers score
            within ``margin`` of the teacher's mean; None when no threshold keeps any student answer
            that well (use the teacher alone).
    """

    prompts: int
    total_prompts: int
    teacher_mean: float | None
    teacher_only_usd: Decimal
    margin: float
    options: list[ThresholdOption]
    recommended: float | None

    def option(self, threshold: float) -> ThresholdOption:
        """The option of ``threshold``.

        Raises:
            KeyError: The pilot did not try it.
        """
        for option in self.options:
            if option.threshold == threshold:
                return option
        raise KeyError(threshold)


def calls_cost(calls: Sequence[CallRecord]) -> Decimal:
    """What ``calls`` cost (calls of unknown price count 0)."""
    return sum((call.cost_usd or Decimal(0) for call in calls), Decimal(0))


def _answer_call(calls: Sequence[CallRecord]) -> CallRecord | None:
    return next((call for call in calls if call.stage != "judge"), None)


def _judge_cost(calls: Sequence[CallRecord]) -> Decimal:
    return calls_cost([call for call in calls if call.stage == "judge"])


def _mean(values: Sequence[float | None]) -> float | None:
    known = [value for value in values if value is not None]
    return fmean(known) if known else None


def cascade_report(
    traces: Sequence[CascadeTrace],
    *,
    student: str,
    teacher: str,
    escalate_below: float,
    price_of: PriceOf,
) -> CascadeReport:
    """Sum a cascade's traces (see :class:`CascadeReport` for how teacher-only is estimated).

    Args:
        traces: One per finished prompt.
        student: The student's model id.
        teacher: The teacher's model id.
        escalate_below: The threshold used.
        price_of: (model, input tokens, output tokens) → price (the accountant's ``cost_of``).
    """
    escalated = [trace for trace in traces if trace.path == "teacher-escalated"]
    kept = [trace for trace in traces if trace.path == "student"]
    teacher_answers = [call for t in traces if (call := _answer_call(t.teacher_calls)) is not None]
    mean_output = fmean(c.output_tokens for c in teacher_answers) if teacher_answers else None
    teacher_only = Decimal(0)
    for trace in escalated:
        teacher_only += calls_cost(trace.teacher_calls)
    for trace in kept:
        answer = _answer_call(trace.student_calls)
        if answer is None:
            continue
        output = round(mean_output) if mean_output is not None else answer.output_tokens
        teacher_only += price_of(teacher, answer.input_tokens, output) or Decimal(0)
        if trace.teacher_judged:
            teacher_only += _judge_cost(trace.student_calls)
    cost = sum((calls_cost(t.student_calls) + calls_cost(t.teacher_calls) for t in traces), Decimal(0))
    accepted_teacher = [t for t in escalated if t.teacher_accepted]
    return CascadeReport(
        student=student,
        escalate_below=escalate_below,
        prompts=len(traces),
        escalated=len(escalated),
        escalation_reasons=dict(Counter(t.escalation_kind or "other" for t in escalated)),
        cost_usd=cost,
        teacher_only_usd=teacher_only,
        student_path=PathQuality(
            answered=len(traces), accepted=len(kept), mean_score=_mean([t.student_score for t in kept])
        ),
        teacher_path=PathQuality(
            answered=len(escalated),
            accepted=len(accepted_teacher),
            mean_score=_mean([t.teacher_score for t in accepted_teacher]),
        ),
    )


def pilot_report(
    traces: Sequence[CascadeTrace],
    *,
    total_prompts: int,
    margin: float = 0.5,
    thresholds: Sequence[float] = PILOT_THRESHOLDS,
) -> PilotReport:
    """The threshold table of a pilot whose teacher answered every prompt (``Cascade.teacher_always``).

    For each threshold: the share the teacher would re-answer, the full run's estimated cost (each
    prompt's student calls, plus the teacher's calls where it escalates, averaged over the pilot and
    scaled to ``total_prompts``) and the quality (kept student answers, resulting rows). The
    recommendation is the lowest threshold whose kept student answers score on average no more than
    ``margin`` below the teacher's answers.
    """
    usable = [trace for trace in traces if trace.teacher_calls]
    count = len(usable)
    scale = Decimal(total_prompts) / count if count else Decimal(0)
    teacher_mean = _mean([trace.teacher_score for trace in usable])
    teacher_only = sum((calls_cost(t.teacher_calls) for t in usable), Decimal(0)) * scale
    options = []
    recommended: float | None = None
    for threshold in thresholds:
        escalates = [trace.escalates_at(threshold) for trace in usable]
        cost = sum(
            (
                calls_cost(t.student_calls) + (calls_cost(t.teacher_calls) if up else Decimal(0))
                for t, up in zip(usable, escalates, strict=True)
            ),
            Decimal(0),
        )
        kept_mean = _mean([t.student_score for t, up in zip(usable, escalates, strict=True) if not up])
        mixed = [t.teacher_score if up else t.student_score for t, up in zip(usable, escalates, strict=True)]
        option = ThresholdOption(
            threshold=threshold,
            escalated_share=sum(escalates) / count if count else 0.0,
            cost_usd=cost * scale,
            kept_mean=kept_mean,
            mixed_mean=_mean(mixed),
        )
        options.append(option)
        good_enough = (
            kept_mean is not None and teacher_mean is not None and kept_mean >= teacher_mean - margin
        )
        if recommended is None and good_enough:
            recommended = threshold
    return PilotReport(
        prompts=count,
        total_prompts=total_prompts,
        teacher_mean=teacher_mean,
        teacher_only_usd=teacher_only,
        margin=margin,
        options=options,
        recommended=recommended,
    )
