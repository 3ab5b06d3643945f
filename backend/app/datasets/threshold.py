"""Keep rows by judge score: the current version partitioned at every threshold, and one applied as a version.

Both read the scores stored on the rows (a job's judge, or a file ``distillery generate`` wrote); no
provider is called. Rows without a score (not judged, or sampled out of judging) are counted apart and
always kept: no score is not a low score.
"""

from __future__ import annotations

import bisect
import itertools
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.errors import Conflict
from app.datasets import service
from app.datasets.example_repository import ExampleRepository
from app.datasets.repository import DatasetRepository
from app.datasets.schemas import ScoreThresholds, ThresholdApply, ThresholdPoint, VersionChange
from app.models import User

STEP = 0.1
# 0, 0.1, ... 10: the values the API counts at, written as the client sends them back.
THRESHOLDS = [round(i * STEP, 1) for i in range(101)]


async def partition(session: AsyncSession, dataset_id: uuid.UUID) -> ScoreThresholds:
    """How many scored rows of the current version each threshold keeps and removes."""
    dataset = await service.get(session, dataset_id)
    total, counts = await DatasetRepository(session).score_counts(dataset.id)
    scores = [score for score, _ in counts]
    below = list(itertools.accumulate((n for _, n in counts), initial=0))
    scored = below[-1]

    def point(threshold: float) -> ThresholdPoint:
        # below[i] counts the rows of the i lowest scores: those under the first score >= threshold.
        removed = below[bisect.bisect_left(scores, threshold)]
        return ThresholdPoint(min_score=threshold, kept=scored - removed, removed=removed)

    return ScoreThresholds(
        version=dataset.version,
        example_count=total,
        scored=scored,
        unscored=total - scored,
        step=STEP,
        points=[point(t) for t in THRESHOLDS],
    )


def _reason(min_score: float, removed: int) -> str:
    return f"keep judge scores ≥ {min_score:g} ({removed} below removed)"


async def apply(
    session: AsyncSession, user: User, dataset_id: uuid.UUID, body: ThresholdApply
) -> VersionChange:
    """Remove the current rows scored below ``body.min_score`` in one new version.

    Raises:
        Conflict: The dataset changed since ``body.version``, a job is writing it, or no row is below.
    """
    dataset = await service.get_writable(session, user, dataset_id)
    service.ensure_idle(dataset)
    number = await DatasetRepository(session).bump_version(dataset.id)
    # Checked after the bump, which locks the dataset's row: two applies cannot both pass.
    if body.version is not None and number != body.version + 1:
        raise Conflict(f"the dataset is at v{number - 1} now, not v{body.version}; reload the counts")
    removed = await ExampleRepository(session).close_scored_below(dataset.id, body.min_score, number)
    if removed == 0:
        # Raising rolls the version bump back with everything else.
        raise Conflict(f"no example of v{number - 1} scores below {body.min_score:g}; nothing to remove")
    count = await service.finish_version(session, dataset, number, _reason(body.min_score, removed))
    return VersionChange(version=number, affected=removed, example_count=count)
