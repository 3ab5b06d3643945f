"""The evaluation report: one row of scores per model (base student, tuned student, teacher)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from distillation.cost import PriceTable, TokenUsage
from distillation.datatypes import DataType
from distillation.evaluate.inference import Answer
from distillation.evaluate.metrics import ROUGE_TYPES, exact_match, field_accuracy, mean, rouge_l
from distillation.evaluate.pairwise import PairwiseResult, RowVerdict
from distillation.evaluate.responses import ReadAnswer, read_answer, response_text
from distillation.finetune.data import TrainingRow, reference_answer

Role = Literal["base", "tuned", "teacher"]
SAMPLES = 3


class SampleAnswer(BaseModel):
    """One held-out prompt with the reference and the model's answer (shown in reports)."""

    row_id: str
    prompt: str
    reference: str
    answer: str
    valid: bool | None
    problems: list[str] = Field(default_factory=list)


class ModelEvaluation(BaseModel):
    """Scores of one model on the held-out rows; None where a metric does not apply or is off.

    Attributes:
        role: ``base`` (the student before tuning), ``tuned`` or ``teacher``.
        model: The model's id (the run folder for the tuned model).
        rows: Held-out rows answered.
        heldout_loss: Mean cross-entropy per reference answer token (local models only).
        perplexity: ``exp(heldout_loss)``.
        format_validity: Share of answers that form a valid record of the data type, unconstrained.
        exact_match: Share of answers equal to the reference (whitespace and case aside).
        field_accuracy: Label accuracy (classification) or entity F1 (NER).
        rouge_l: Mean ROUGE-L F-measure against the reference (free-text data types).
        judge_score: Mean judge score (0–10) of the answers; invalid answers score 0.
        judge_win_rate: Share of rows where the judge scored this model above the base student
            (ties count half); None for the base itself.
        failed: Answers that could not be obtained (provider errors).
        invalid_reasons: The most frequent reasons answers were invalid, with counts.
        mean_input_tokens: Prompt tokens per answer.
        mean_output_tokens: Answer tokens per answer.
        cost_per_1000: US dollars for 1,000 such answers; 0 for free local models, None when unpriced.
        latency_median_s: Median seconds per answer (see :class:`~distillation.evaluate.Answer`).
        latency_p90_s: 90th percentile of the same.
        samples: The first few answers.
    """

    role: Role
    model: str
    rows: int
    heldout_loss: float | None = None
    perplexity: float | None = None
    format_validity: float | None = None
    exact_match: float | None = None
    field_accuracy: float | None = None
    rouge_l: float | None = None
    judge_score: float | None = None
    judge_win_rate: float | None = None
    failed: int = 0
    invalid_reasons: dict[str, int] = Field(default_factory=dict)
    mean_input_tokens: float = 0.0
    mean_output_tokens: float = 0.0
    cost_per_1000: Decimal | None = None
    latency_median_s: float | None = None
    latency_p90_s: float | None = None
    samples: list[SampleAnswer] = Field(default_factory=list)


class SideBySide(BaseModel):
    """One held-out prompt: the reference, every model's answer and the judge's pairwise verdicts.

    Attributes:
        row_id: The held-out row.
        prompt: Its last user message.
        reference: The dataset's answer.
        answers: Role → that model's answer (an error in brackets when it gave none).
        verdicts: The tuned model's pairwise verdicts on this prompt, one per opponent, with reasons.
    """

    row_id: str
    prompt: str
    reference: str
    answers: dict[str, str]
    verdicts: list[RowVerdict] = Field(default_factory=list)


class EvaluationReport(BaseModel):
    """Base vs tuned (vs teacher) on one held-out split.

    Attributes:
        data_type: The rows' data type (None when rows carry no record: record metrics are off).
        heldout_ids: Ids of the held-out rows evaluated (none was used as an exemplar or trained on);
            the gold rows' ids when ``rows_source`` is ``gold``.
        run_dir: The fine-tune run evaluated, if any.
        rows_source: ``heldout`` (the run's held-out split) or ``gold`` (a gold set given apart).
        unconstrained: Local answers were generated without any schema or grammar.
        models: One entry per model, base first.
        pairwise: The judge's pairwise comparisons (tuned vs base, tuned vs teacher), when judged.
        side_by_side: The first held-out prompts with every model's answer and the verdicts.
    """

    data_type: str | None
    heldout_ids: list[str]
    run_dir: Path | None = None
    rows_source: Literal["heldout", "gold"] = "heldout"
    unconstrained: bool = True
    models: list[ModelEvaluation]
    pairwise: list[PairwiseResult] = Field(default_factory=list)
    side_by_side: list[SideBySide] = Field(default_factory=list)

    def model(self, role: Role) -> ModelEvaluation | None:
        """The entry of ``role``, if it was evaluated."""
        return next((entry for entry in self.models if entry.role == role), None)


def score_model(
    role: Role,
    model_id: str,
    datatype: DataType[Any] | None,
    rows: Sequence[TrainingRow],
    answers: Sequence[Answer],
    *,
    price_id: str,
    prices: PriceTable,
) -> tuple[ModelEvaluation, list[ReadAnswer | None]]:
    """Score ``answers`` (one per row) against the rows; also return each answer read as a record."""
    read = [_read(datatype, row, answer) for row, answer in zip(rows, answers, strict=True)]
    references = [_reference(datatype, row) for row in rows]
    texts = [_answer_text(datatype, item, answer) for item, answer in zip(read, answers, strict=True)]
    name = datatype.name if datatype else None
    ok = [answer for answer in answers if answer.error is None]
    entry = ModelEvaluation(
        role=role,
        model=model_id,
        rows=len(rows),
        format_validity=mean([float(item.valid) for item in read if item is not None]) if datatype else None,
        exact_match=mean([exact_match(t, r) for t, r in zip(texts, references, strict=True)]),
        field_accuracy=_field(name, rows, read),
        rouge_l=mean([rouge_l(t, r) for t, r in zip(texts, references, strict=True)])
        if name is None or name in ROUGE_TYPES
        else None,
        failed=len(answers) - len(ok),
        invalid_reasons=_reasons(read),
        mean_input_tokens=_mean_tokens([a.usage.input_tokens for a in answers]),
        mean_output_tokens=_mean_tokens([a.usage.output_tokens for a in answers]),
        cost_per_1000=_per_1000(prices, price_id, answers),
        latency_median_s=_quantile([a.latency_s for a in ok], 0.5),
        latency_p90_s=_quantile([a.latency_s for a in ok], 0.9),
        samples=[
            _sample(row, answer, item, ref)
            for row, answer, item, ref in zip(rows[:SAMPLES], answers, read, references, strict=False)
        ],
    )
    return entry, read


def _read(datatype: DataType[Any] | None, row: TrainingRow, answer: Answer) -> ReadAnswer | None:
    if datatype is None or row.record is None:
        return None
    return read_answer(datatype, row.record, "" if answer.error else answer.text)


def _reference(datatype: DataType[Any] | None, row: TrainingRow) -> str:
    if datatype is not None and row.record is not None:
        return response_text(datatype.name, row.record)
    return reference_answer(row.messages)


def _answer_text(datatype: DataType[Any] | None, read: ReadAnswer | None, answer: Answer) -> str:
    # Compare like with like: the reference is the record's response field, so is the answer's.
    if datatype is not None and read is not None and read.data is not None:
        try:
            return response_text(datatype.name, read.data)
        except (KeyError, TypeError, IndexError):
            return answer.text
    return answer.text


def _field(name: str | None, rows: Sequence[TrainingRow], read: Sequence[ReadAnswer | None]) -> float | None:
    if name is None:
        return None
    scores = [
        field_accuracy(name, item.data if item else None, row.record)
        for row, item in zip(rows, read, strict=True)
        if row.record is not None
    ]
    return mean(scores)


def _reasons(read: Sequence[ReadAnswer | None], top: int = 5) -> dict[str, int]:
    counts = Counter(reason for item in read if item is not None for reason in item.check.reasons)
    return dict(counts.most_common(top))


def _mean_tokens(values: Sequence[int]) -> float:
    return round(sum(values) / len(values), 2) if values else 0.0


def _per_1000(prices: PriceTable, model_id: str, answers: Sequence[Answer]) -> Decimal | None:
    if not answers:
        return None
    usage = sum((answer.usage for answer in answers), TokenUsage())
    cost = prices.cost_of(model_id, usage)
    return None if cost is None else (cost * 1000 / len(answers)).quantize(Decimal("0.000001"))


def _quantile(values: Sequence[float], q: float) -> float | None:
    """The ``q`` quantile, linearly interpolated between the closest ranks (None when empty)."""
    if not values:
        return None
    ordered = sorted(values)
    position = q * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return round(ordered[low] + (ordered[high] - ordered[low]) * (position - low), 4)


def side_by_side(
    rows: Sequence[TrainingRow],
    datatype: DataType[Any] | None,
    answers: Mapping[str, Sequence[Answer]],
    verdicts: Sequence[Sequence[RowVerdict]],
    limit: int,
) -> list[SideBySide]:
    """The first ``limit`` rows with each role's answer and each comparison's verdict on the row."""
    table = []
    for index, row in enumerate(rows[:limit]):
        prompt = next((m["content"] for m in reversed(row.messages) if m["role"] == "user"), "")
        table.append(
            SideBySide(
                row_id=row.id,
                prompt=str(prompt),
                reference=_reference(datatype, row),
                answers={role: _shown(given[index]) for role, given in answers.items()},
                verdicts=[found[index] for found in verdicts],
            )
        )
    return table


def _shown(answer: Answer) -> str:
    return f"[no answer: {answer.error}]" if answer.error else answer.text


def _sample(row: TrainingRow, answer: Answer, read: ReadAnswer | None, reference: str) -> SampleAnswer:
    prompt = next((m["content"] for m in reversed(row.messages) if m["role"] == "user"), "")
    problems = ([answer.error] if answer.error else []) + (read.check.reasons if read else [])
    return SampleAnswer(
        row_id=row.id,
        prompt=str(prompt),
        reference=reference,
        answer=answer.text,
        valid=None if read is None else read.valid,
        problems=problems,
    )
