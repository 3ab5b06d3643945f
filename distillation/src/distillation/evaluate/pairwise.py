"""Pairwise win rates: the judge compares two models' answers to each held-out prompt, in both orders.

The judge, its prompt and its verdicts are the preference pairs' (:mod:`distillation.preference.verdict`):
each prompt is judged twice, the opponent's answer shown first and then the candidate's, so a judge
that follows the position names different winners in the two orders. Such a row is counted as a tie
and reported as ``position_inconsistent``; a row whose verdict cannot be read is left out
(``unjudged``). An answer that could not be obtained loses to one that could, without asking the judge.
Judge calls take the one paid-call path (:func:`distillation.evaluate.inference.provider_answers`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, Field

from distillation.cost import PriceTable, TokenUsage
from distillation.datatypes import DataType
from distillation.evaluate.inference import Answer, CallBook, Progress, provider_answers
from distillation.finetune.data import TrainingRow, prompt_messages
from distillation.preference.verdict import (
    TIE,
    VERDICT_SCHEMA_NAME,
    Order,
    Verdict,
    decide_pair,
    pairwise_prompt,
    verdict_schema,
)
from distillation.providers import Credentials, RateLimit

Outcome = Literal["win", "tie", "loss", "inconsistent", "unjudged"]
JUDGE_MAX_TOKENS = 384
# Verdict sides: the opponent plays the verdict's "teacher", the candidate its "student".
_ORDERS: tuple[Order, Order] = ("teacher-first", "student-first")


class RowVerdict(BaseModel):
    """The judge's decision on one held-out prompt, from the candidate's side.

    Attributes:
        row_id: The held-out row.
        opponent: The role the candidate was compared with.
        outcome: ``win``/``tie``/``loss`` for the candidate; ``inconsistent`` when the two orders named
            different winners (counted as a tie); ``unjudged`` when no verdict could be read.
        reasons: The judge's reason in each order (opponent first, then candidate first), or why the
            judge was not asked.
    """

    row_id: str
    opponent: str
    outcome: Outcome
    reasons: list[str] = Field(default_factory=list)


class PairwiseResult(BaseModel):
    """Candidate vs opponent over the held-out prompts.

    Attributes:
        candidate: The candidate's role (``tuned``).
        candidate_model: Its model id.
        opponent: The opponent's role (``base`` or ``teacher``).
        opponent_model: Its model id.
        judge: The judge model.
        rows: Prompts compared.
        wins: Rows both orders gave the candidate.
        ties: Rows judged equal, position-inconsistent rows included.
        losses: Rows both orders gave the opponent.
        position_inconsistent: Rows whose two orders named different winners (among ``ties``).
        unjudged: Rows left out: the judge's reply could not be read, or neither model answered.
        win_rate: ``wins`` over the judged rows (None when none was judged); likewise the other two.
        tie_rate: ``ties`` over the judged rows.
        loss_rate: ``losses`` over the judged rows.
        judge_cost_usd: What the judge's calls cost (None when its price is unknown).
    """

    candidate: str
    candidate_model: str
    opponent: str
    opponent_model: str
    judge: str
    rows: int
    wins: int = 0
    ties: int = 0
    losses: int = 0
    position_inconsistent: int = 0
    unjudged: int = 0
    win_rate: float | None = None
    tie_rate: float | None = None
    loss_rate: float | None = None
    judge_cost_usd: Decimal | None = None


def judge_pairwise(
    judge: str,
    datatype: DataType[Any],
    rows: Sequence[TrainingRow],
    candidate: tuple[str, str, Sequence[Answer]],
    opponent: tuple[str, str, Sequence[Answer]],
    *,
    credentials: Mapping[str, Credentials],
    prices: PriceTable,
    concurrency: int = 4,
    rate_limit: RateLimit | None = None,
    progress: Progress | None = None,
    book: CallBook | None = None,
) -> tuple[PairwiseResult, list[RowVerdict]]:
    """Ask ``judge`` which of two answers is better on each row, in both orders.

    Args:
        judge: The judge model (``provider:model``).
        datatype: The rows' data type (its task policy and rubric reach the judge).
        rows: The held-out rows.
        candidate: (role, model id, one answer per row) of the model whose win rate is measured.
        opponent: (role, model id, one answer per row) of the model it is compared with.
        credentials: Provider name → key and base URL.
        prices: Prices for the judge's cost.
        concurrency: Most judge requests in flight.
        rate_limit: The judge's limits.
        progress: ``progress(done, total)`` as verdicts arrive.
        book: Books the judge's calls in a service's ledger (see `CallBook`).
    """
    (c_role, c_model, mine), (o_role, o_model, theirs) = candidate, opponent
    pairs = enumerate(zip(mine, theirs, strict=True))
    asked = [i for i, (a, b) in pairs if a.error is None and b.error is None]
    prompts = [
        pairwise_prompt(prompt_messages(rows[i].messages), *shown, datatype=datatype).messages
        for i in asked
        for shown in ((theirs[i].text, mine[i].text), (mine[i].text, theirs[i].text))
    ]
    replies = provider_answers(
        judge,
        prompts,
        credentials=credentials,
        max_tokens=JUDGE_MAX_TOKENS,
        schema=verdict_schema(),
        schema_name=VERDICT_SCHEMA_NAME,
        concurrency=concurrency,
        rate_limit=rate_limit,
        progress=progress,
        book=book,
    )
    verdicts = [_unasked(row.id, o_role, a, b) for row, a, b in zip(rows, mine, theirs, strict=True)]
    for n, index in enumerate(asked):
        pair = replies[2 * n : 2 * n + 2]
        verdicts[index] = _decide(rows[index].id, o_role, judge, pair)
    result = PairwiseResult(
        candidate=c_role,
        candidate_model=c_model,
        opponent=o_role,
        opponent_model=o_model,
        judge=judge,
        rows=len(rows),
        judge_cost_usd=prices.cost_of(judge, sum((r.usage for r in replies), TokenUsage())),
        **_tally(verdicts),
    )
    return result, verdicts


def _unasked(row_id: str, opponent: str, mine: Answer, theirs: Answer) -> RowVerdict:
    # Filled in for the rows the judge is asked about; decides the rest.
    if mine.error is not None and theirs.error is not None:
        return RowVerdict(row_id=row_id, opponent=opponent, outcome="unjudged", reasons=["neither answered"])
    if mine.error is not None:
        return RowVerdict(
            row_id=row_id, opponent=opponent, outcome="loss", reasons=[f"no answer: {mine.error}"]
        )
    if theirs.error is not None:
        why = f"the {opponent} gave no answer: {theirs.error}"
        return RowVerdict(row_id=row_id, opponent=opponent, outcome="win", reasons=[why])
    return RowVerdict(row_id=row_id, opponent=opponent, outcome="unjudged")


def _decide(row_id: str, opponent: str, judge: str, replies: Sequence[Answer]) -> RowVerdict:
    verdicts = [
        Verdict(order=order, reason=f"judge call failed: {reply.error}", model=judge)
        if reply.error is not None
        else Verdict.read(order, reply.text, judge)
        for order, reply in zip(_ORDERS, replies, strict=True)
    ]
    decision = decide_pair(verdicts[0], verdicts[1], min_margin=0.0)
    outcome: Outcome
    if decision.position_inconsistent:
        outcome = "inconsistent"
    elif decision.preferred is not None:
        outcome = "win" if decision.preferred == "student" else "loss"
    elif decision.reason.startswith(TIE):
        outcome = "tie"
    else:
        outcome = "unjudged"
    shown = {"teacher-first": f"{opponent} shown first", "student-first": "candidate shown first"}
    reasons = [f"{shown[v.order]}: {v.reason}" for v in verdicts]
    return RowVerdict(row_id=row_id, opponent=opponent, outcome=outcome, reasons=reasons)


def _tally(verdicts: Sequence[RowVerdict]) -> dict[str, Any]:
    outcomes = ("win", "tie", "loss", "inconsistent", "unjudged")
    count = {o: sum(v.outcome == o for v in verdicts) for o in outcomes}
    ties = count["tie"] + count["inconsistent"]
    judged = count["win"] + ties + count["loss"]
    return {
        "wins": count["win"],
        "ties": ties,
        "losses": count["loss"],
        "position_inconsistent": count["inconsistent"],
        "unjudged": count["unjudged"],
        "win_rate": count["win"] / judged if judged else None,
        "tie_rate": ties / judged if judged else None,
        "loss_rate": count["loss"] / judged if judged else None,
    }
