"""Quality jobs: each item judges one row of a dataset, then keeps it, rewrites it or removes it.

The changes land in the dataset's next version (fixed rows are new rows, removed rows are closed),
which becomes the current version when the job finishes; kept rows get their new scores in place.
Rows that carry a typed record go through the library's full validation (structure, judge, fix);
rows without one (uploaded chat rows) are judged on their messages and kept or removed.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.datasets.service import search_text
from app.models import Example
from app.models.base import utcnow
from distillation.pipeline import Answer, Engine, Provenance, Row, RowStage, Stage, judge_row, validate_row
from distillation.quality import Decision, aggregate_score, decide

Verdict = Literal["keep", "fix", "remove"]


@dataclass(frozen=True)
class Review:
    """What the judge decided about one row."""

    verdict: Verdict
    score: float | None
    scores: dict[str, float] | None
    reason: str | None
    row: Row | None = None


def versions(config: dict[str, Any]) -> tuple[int, int]:
    """(the version the job reads, the version it writes)."""
    return int(config["source_version"]), int(config["target_version"])


async def load_row(session: AsyncSession, dataset_id: uuid.UUID, key: str, version: int) -> Example | None:
    """The row of ``key`` live at ``version``."""
    return await session.scalar(
        select(Example).where(
            Example.dataset_id == dataset_id,
            Example.item_key == key,
            Example.added_in <= version,
            or_(Example.removed_in.is_(None), Example.removed_in > version),
        )
    )


def _provenance(example: Example) -> Provenance:
    try:
        provenance = Provenance.model_validate(example.provenance)
    except ValueError:
        provenance = Provenance(stage=example.stage, model="", template_hash="", scenario={})
    return provenance.model_copy(update={"calls": [], "fixes": list(provenance.fixes)})


def _typed(engine: Engine, example: Example) -> dict[str, Any] | None:
    record = example.record
    if not record or ("metadata" in record and len(record) == 1):
        return None
    return record if engine.datatype.check(record, engine.context).record is not None else None


async def review(engine: Engine, example: Example) -> Review:
    """Judge one row (and rewrite it when it scores low and has a typed record)."""
    key, index, provenance = example.item_key, example.position, _provenance(example)
    stage: RowStage = Stage.seed if example.stage == Stage.seed else Stage.bulk
    record = _typed(engine, example)
    if record is not None:
        answer = Answer(
            model_id="dataset", fingerprint=f"row:{example.id}", text=json.dumps(record), data=record
        )
        result = await validate_row(engine, key, index, stage, answer, provenance)
        if result.row is None:
            assert result.rejection is not None
            return Review("remove", None, provenance.judge_scores, result.rejection.reason)
        row = result.row
        verdict: Verdict = "fix" if len(row.provenance.fixes) > len(_provenance(example).fixes) else "keep"
        return Review(verdict, row.score, row.provenance.judge_scores, row.provenance.decision_reason, row)
    scores, feedback = await judge_row(engine, key, {"messages": example.messages}, provenance)
    score = aggregate_score(scores) if scores is not None else None
    thresholds = engine.config.thresholds
    decision = decide(score, thresholds, structure_ok=True, fix_attempts=thresholds.max_fix_attempts)
    verdict = "remove" if decision.decision is Decision.REMOVE else "keep"
    return Review(verdict, score, scores.criteria() if scores else None, feedback or decision.reason)


async def apply(session: AsyncSession, example: Example, outcome: Review, target: int) -> None:
    """Write the verdict into the target version."""
    if outcome.verdict == "keep":
        await session.execute(
            update(Example).where(Example.id == example.id).values(score=outcome.score, scores=outcome.scores)
        )
        return
    await session.execute(update(Example).where(Example.id == example.id).values(removed_in=target))
    if outcome.verdict == "fix" and outcome.row is not None:
        row = outcome.row
        session.add(
            Example(
                dataset_id=example.dataset_id,
                item_key=example.item_key,
                position=example.position,
                added_in=target,
                stage=example.stage,
                messages=row.messages,
                record=row.record,
                score=row.score,
                scores=row.provenance.judge_scores,
                provenance={**row.provenance.model_dump(mode="json"), "fixed_from": str(example.id)},
                cluster=example.cluster,
                search_text=search_text(row.messages),
                content_hash=None,
                created_at=utcnow(),
            )
        )
