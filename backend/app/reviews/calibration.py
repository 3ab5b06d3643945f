"""Calibrating the judge against the gold set: the reviewed rows of a dataset, latest decision each.

A row's latest accepted, rejected or edited decision (of any reviewer, on any version of the row) is its
human verdict: accepted or edited is *keep*, rejected is *remove*. The judge keeps a row when its stored
score is at or above the threshold. Rows without a judge score are counted but left out of every number.
A decision stays in the gold set after the row is removed or edited, with the score of the text the
reviewer read. Beside the keep/remove numbers, the reviewers' ratings per judge criterion are compared
with the judge's score on that criterion, and on a classification dataset the reviewers' labels with the
labels of the rows they read. Nothing here calls a provider.
"""

from __future__ import annotations

import math
import uuid
import warnings
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from scipy.stats import spearmanr
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.errors import Conflict
from app.datasets import service
from app.models import Example, ReviewDecision, ReviewStatus
from app.reviews import labels
from app.reviews.repository import GoldRepository
from app.reviews.schemas import (
    DISAGREEMENTS_SHOWN,
    Calibration,
    Confusion,
    CriterionAgreement,
    Disagreement,
    LabelAgreement,
    LabelPair,
    ThresholdAgreement,
)

# Fewer scored gold rows than this say nothing about the judge: the API refuses them.
MIN_GOLD = 5
# Spearman's rho needs at least this many rated rows to be more than a line through two points.
MIN_RATED = 3
KEEP = (ReviewStatus.accepted, ReviewStatus.edited)


class TooFewGoldRows(Conflict):
    """The dataset has too few reviewed rows with a judge score to calibrate the judge on."""

    error = "too_few_gold_rows"


@dataclass(frozen=True)
class GoldRow:
    """A reviewed row: the human's verdict and the judge's score of the text the reviewer read."""

    decision: ReviewDecision
    example: Example  # the row the decision points at now: after an applied edit, the new row
    read: Example  # the row the reviewer read, whose score and reasons the judge gave
    reviewer: str

    @property
    def score(self) -> float | None:
        return self.read.score

    @property
    def keep(self) -> bool:
        return self.decision.status in KEEP


def confusion(rows: Sequence[tuple[bool, float]], threshold: float) -> Confusion:
    """The (human keeps, judge score) pairs counted by verdict at ``threshold``."""
    cells = {(h, j): 0 for h in (True, False) for j in (True, False)}
    for human, score in rows:
        cells[(human, score >= threshold)] += 1
    return Confusion(
        both_keep=cells[(True, True)],
        human_keep_judge_remove=cells[(True, False)],
        human_remove_judge_keep=cells[(False, True)],
        both_remove=cells[(False, False)],
    )


def observed_agreement(matrix: Confusion) -> Fraction:
    """The share of rows where the two verdicts agree; 0 for no row."""
    n = _total(matrix)
    return Fraction(matrix.both_keep + matrix.both_remove, n) if n else Fraction(0)


def kappa(matrix: Confusion) -> Fraction | None:
    """Cohen's kappa of a 2x2 matrix, exactly; None when chance agreement is 1 (or no row): undefined."""
    n = _total(matrix)
    if n == 0:
        return None
    human_keep = matrix.both_keep + matrix.human_keep_judge_remove
    judge_keep = matrix.both_keep + matrix.human_remove_judge_keep
    chance = Fraction(human_keep * judge_keep + (n - human_keep) * (n - judge_keep), n * n)
    if chance == 1:
        return None
    return (observed_agreement(matrix) - chance) / (1 - chance)


def _total(matrix: Confusion) -> int:
    keep = matrix.both_keep + matrix.human_keep_judge_remove
    return keep + matrix.human_remove_judge_keep + matrix.both_remove


def on_slider(score: float) -> float:
    """The highest 0.1 step at or below ``score``: the slider value that keeps it."""
    return round(math.floor(round(score * 10, 6)) / 10, 1)


def candidates(rows: Sequence[tuple[bool, float]]) -> list[tuple[float, Fraction | None, Fraction]]:
    """(threshold, kappa, agreement) at every observed score, on the slider's steps, lowest first."""
    found = []
    for threshold in sorted({on_slider(score) for _, score in rows}):
        matrix = confusion(rows, threshold)
        found.append((threshold, kappa(matrix), observed_agreement(matrix)))
    return found


def recommend(
    points: Sequence[tuple[float, Fraction | None, Fraction]],
) -> tuple[float, Fraction | None, Fraction]:
    """The candidate of highest kappa (undefined ranks lowest), then agreement, then lowest threshold."""

    def rank(point: tuple[float, Fraction | None, Fraction]) -> tuple[bool, Fraction, Fraction, float]:
        threshold, k, agreement = point
        return (k is not None, k if k is not None else Fraction(0), agreement, -threshold)

    return max(points, key=rank)


def spearman(pairs: Sequence[tuple[int, float]]) -> tuple[float | None, float | None]:
    """Spearman's rho and its p-value for (rating, score) pairs; None for too few rows or constant sides."""
    if len(pairs) < MIN_RATED:
        return None, None
    with warnings.catch_warnings():
        # A constant side makes rho undefined: scipy warns and answers NaN, turned into None here.
        warnings.simplefilter("ignore")
        result = spearmanr([r for r, _ in pairs], [s for _, s in pairs])
    rho, p = float(result.statistic), float(result.pvalue)
    if not (math.isfinite(rho) and math.isfinite(p)):
        return None, None
    return round(rho, 4), round(p, 6)


def criterion_agreement(gold: Sequence[GoldRow]) -> list[CriterionAgreement]:
    """Per criterion the reviewers rated (by name): their ratings against the judge's criterion scores.

    A rating counts when the judge scored the row the reviewer read on that criterion.
    """
    pairs: dict[str, list[tuple[int, float]]] = {}
    for row in gold:
        judged = row.read.scores or {}
        for name, rating in (row.decision.criteria or {}).items():
            score = judged.get(name)
            if isinstance(score, int | float) and not isinstance(score, bool):
                pairs.setdefault(name, []).append((rating, float(score)))
    found = []
    for name, rated in sorted(pairs.items()):
        rho, p = spearman(rated)
        found.append(CriterionAgreement(criterion=name, rated=len(rated), spearman=rho, spearman_p=p))
    return found


def label_agreement(gold: Sequence[GoldRow]) -> LabelAgreement:
    """The labels of the rows the reviewers read against the labels they gave."""
    pairs = Counter(
        (labels.row_label(row.read.record, row.read.messages), row.decision.label)
        for row in gold
        if row.decision.label is not None
    )
    total = sum(pairs.values())
    kept = sum(n for (was, given), n in pairs.items() if was == given)
    confusion = [
        LabelPair(dataset_label=was, reviewer_label=given, rows=n)
        for (was, given), n in sorted(pairs.items(), key=lambda item: (item[0][0] or "", item[0][1] or ""))
        if given is not None
    ]
    return LabelAgreement(
        labelled=total, agreement=round(kept / total, 4) if total else None, confusion=confusion
    )


def _number(value: Fraction | None) -> float | None:
    return None if value is None else round(float(value), 4)


def _point(point: tuple[float, Fraction | None, Fraction]) -> ThresholdAgreement:
    threshold, k, agreement = point
    return ThresholdAgreement(threshold=threshold, kappa=_number(k), agreement=round(float(agreement), 4))


def _question(messages: list[dict[str, Any]]) -> str:
    for message in messages:
        if message.get("role") == "user":
            content = message.get("content")
            text = content if isinstance(content, str) else str(content)
            return text[:300]
    return ""


async def gold_rows(session: AsyncSession, dataset_id: uuid.UUID) -> list[GoldRow]:
    """The dataset's reviewed rows, by position: each row's latest decision and the score it was read with."""
    repository = GoldRepository(session)
    latest = {found.decision.item_key: found for found in await repository.decisions(dataset_id)}
    # An applied edit moves its decision to the new row, which has no score: the reviewer read the old one.
    edited_from = {
        key: uuid.UUID(str(found.example.provenance["edited_from"]))
        for key, found in latest.items()
        if found.example.score is None and (found.example.provenance or {}).get("edited_from")
    }
    originals = await repository.examples(list(edited_from.values()))
    rows = []
    for key, found in latest.items():
        read = originals.get(edited_from[key], found.example) if key in edited_from else found.example
        rows.append(GoldRow(found.decision, found.example, read, found.email))
    return sorted(rows, key=lambda row: (row.example.position, row.example.item_key))


def _disagreement(row: GoldRow, score: float) -> Disagreement:
    return Disagreement(
        example_id=row.example.id,
        item_key=row.example.item_key,
        position=row.example.position,
        current=row.example.removed_in is None,
        question=_question(row.read.messages),
        score=score,
        reasons=dict(row.read.scores or {}),
        human="keep" if row.keep else "remove",
        status=row.decision.status,
        rating=row.decision.rating,
        comment=row.decision.comment,
        reviewer=row.reviewer,
    )


async def calibrate(session: AsyncSession, dataset_id: uuid.UUID, threshold: float | None) -> Calibration:
    """The judge against the gold set at ``threshold`` (the recommended threshold when None).

    Raises:
        TooFewGoldRows: Fewer than ``MIN_GOLD`` reviewed rows have a judge score.
    """
    dataset = await service.get(session, dataset_id)
    gold = await gold_rows(session, dataset.id)
    scored = [(row, score) for row in gold if (score := row.score) is not None]
    if len(scored) < MIN_GOLD:
        raise TooFewGoldRows(
            f"{len(scored)} reviewed row(s) with a judge score; calibrating the judge needs at least "
            f"{MIN_GOLD}: review {MIN_GOLD - len(scored)} more scored row(s)"
        )
    verdicts = [(row.keep, score) for row, score in scored]
    points = candidates(verdicts)
    best = recommend(points)
    at = best[0] if threshold is None else threshold
    matrix = confusion(verdicts, at)
    rated = [(rating, score) for row, score in scored if (rating := row.decision.rating) is not None]
    rho, p = spearman(rated)
    disagree = [_disagreement(row, score) for row, score in scored if row.keep != (score >= at)]
    return Calibration(
        version=dataset.version,
        threshold=at,
        gold=len(gold),
        scored=len(scored),
        unscored=len(gold) - len(scored),
        rated=len(rated),
        spearman=rho,
        spearman_p=p,
        kappa=_number(kappa(matrix)),
        agreement=round(float(observed_agreement(matrix)), 4),
        confusion=matrix,
        recommended=_point(best),
        candidates=[_point(point) for point in points],
        disagreements=disagree[:DISAGREEMENTS_SHOWN],
        disagreement_count=len(disagree),
        criteria=criterion_agreement(gold),
        labels=label_agreement(gold) if dataset.data_type == labels.CLASSIFICATION else None,
    )
