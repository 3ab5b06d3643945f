"""Near-duplicate clusters of a dataset: found by a worker, kept on the rows, listed and removed.

A worker groups the current rows with the library's exact and MinHash-LSH near-duplicate detection
(pairs confirmed on the exact shingle sets) and labels every member of a group with the group's
cluster id; the best-scored row of each group is the one to keep. Labels are annotations, not edits:
removing the other members makes a new version like any bulk removal.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.core import outbox
from app.datasets import service
from app.datasets.example_repository import ExampleRepository
from app.datasets.repository import DatasetRepository
from app.kit.schemas import Schema
from app.models import TaskRecord, User
from app.models.base import utcnow
from app.system.repository import TaskRecordRepository
from app.users.quotas import TaskQuota
from distillation.quality import NearDuplicateConfig, deduplicate

FIND_TASK = "datasets.find_duplicates"


class DuplicateClusterRead(Schema):
    """One group of duplicate rows: the row to keep and the others."""

    cluster: str
    size: int
    keep_id: uuid.UUID
    drop_ids: list[uuid.UUID]


class DuplicatesRead(Schema):
    """The clusters of the dataset's current version (empty until a search has run)."""

    version: int | None
    computed_at: str | None
    threshold: float | None
    clusters: list[DuplicateClusterRead]
    drop_ids: list[uuid.UUID]


async def start(
    session: AsyncSession, quota: TaskQuota, user: User, dataset_id: uuid.UUID, threshold: float
) -> TaskRecord:
    """Queue the search (one of the user's tasks a minute); the task record tells when it is done."""
    dataset = await service.get_writable(session, user, dataset_id)
    await quota.take(session, user)
    record = await TaskRecordRepository(session).add_task(FIND_TASK, "default")
    # The record keeps its input until the worker replaces it with the outcome (a re-sent message
    # carries only the record id).
    record.result = {"dataset_id": str(dataset.id), "threshold": threshold}
    outbox.enqueue(session, FIND_TASK, record.id, record.queue)
    return record


async def find(session: AsyncSession, dataset_id: uuid.UUID, threshold: float) -> dict[str, Any]:
    """Label the current rows of the dataset with their duplicate cluster; returns the summary."""
    dataset = await DatasetRepository(session).get(dataset_id)
    if dataset is None:
        return {"dataset_id": str(dataset_id), "error": "the dataset was deleted"}
    examples = ExampleRepository(session)
    rows = await examples.dedup_candidates(dataset_id, dataset.version)
    report = deduplicate(
        [r.search_text for r in rows], [r.score for r in rows], NearDuplicateConfig(threshold=threshold)
    )
    labels = [
        (f"dup-{rows[group.keep].position:07d}", [rows[i].id for i in group.members])
        for result in (report.exact, report.near)
        for group in result.clusters
    ]
    await examples.label_clusters(dataset_id, labels)
    clusters = len(labels)
    summary = {
        "dataset_id": str(dataset_id),
        "version": dataset.version,
        "threshold": threshold,
        "clusters": clusters,
        "drop": len(report.drop),
        "computed_at": utcnow().isoformat(),
    }
    dataset.extra = {**(dataset.extra or {}), "duplicates": summary}
    return summary


async def read(session: AsyncSession, dataset_id: uuid.UUID) -> DuplicatesRead:
    """The clusters found by the last search, as they stand in the current version."""
    dataset = await service.get(session, dataset_id)
    summary = (dataset.extra or {}).get("duplicates") or {}
    rows = await ExampleRepository(session).clustered(dataset_id, dataset.version)
    groups: dict[str, list[uuid.UUID]] = {}
    for row in rows:
        groups.setdefault(str(row.cluster), []).append(row.id)
    clusters = [
        DuplicateClusterRead(cluster=key, size=len(ids), keep_id=ids[0], drop_ids=ids[1:])
        for key, ids in groups.items()
        if len(ids) > 1
    ]
    return DuplicatesRead(
        version=summary.get("version"),
        computed_at=summary.get("computed_at"),
        threshold=summary.get("threshold"),
        clusters=clusters,
        drop_ids=[i for c in clusters for i in c.drop_ids],
    )
