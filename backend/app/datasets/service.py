"""Datasets: create, read with statistics, change, delete, versions and what changed between them."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.errors import BadRequest, Conflict, Forbidden, NotFound
from app.datasets import example_repository
from app.datasets.repository import DatasetRepository, DatasetVersionRepository
from app.datasets.schemas import (
    ChangeKind,
    DatasetCreate,
    DatasetDetail,
    DatasetRead,
    DatasetStats,
    DatasetUpdate,
    RowChange,
    ScoreBucket,
    VersionCompare,
    VersionRead,
)
from app.kit.pagination import Pagination
from app.kit.schemas import Page
from app.models import Dataset, DatasetStatus, Example, Role, User

COMPARE_KEY_LIMIT = 1000


def search_text(messages: list[dict[str, Any]]) -> str:
    """The text the example search matches: every message's content, case-folded."""
    return example_repository.searchable("\n".join(str(m.get("content", "")) for m in messages))


async def get(session: AsyncSession, dataset_id: uuid.UUID) -> Dataset:
    """A dataset, or 404."""
    dataset = await DatasetRepository(session).get(dataset_id)
    if dataset is None or dataset.status is DatasetStatus.preview:
        # A preview's rows are no dataset of the user's: they are read through the preview job.
        raise NotFound(f"no dataset {dataset_id}")
    return dataset


def ensure_can_write(user: User, dataset: Dataset) -> None:
    """Editors change their own datasets; admins change any."""
    if user.role is not Role.admin and dataset.owner_id != user.id:
        raise Forbidden("only the dataset's owner or an admin can change it")


def ensure_idle(dataset: Dataset) -> None:
    """Rows of a dataset that a job is writing cannot be edited until the job stops."""
    if dataset.status is DatasetStatus.generating:
        raise Conflict("a job is writing this dataset; edit it when the job has finished or been cancelled")


async def get_writable(session: AsyncSession, user: User, dataset_id: uuid.UUID) -> Dataset:
    """A dataset the user may change, or 404/403."""
    dataset = await get(session, dataset_id)
    ensure_can_write(user, dataset)
    return dataset


async def create(
    session: AsyncSession, user: User, body: DatasetCreate, reason: str = "created", **extra: Any
) -> Dataset:
    """A new dataset at version 1 (empty until rows are added)."""
    fields = body.model_dump() | extra
    dataset = await DatasetRepository(session).create(
        Dataset(**fields, owner_id=user.id, version=1, example_count=0)
    )
    await DatasetVersionRepository(session).add_version(dataset.id, 1, reason, 0)
    return dataset


async def finish_version(session: AsyncSession, dataset: Dataset, number: int, reason: str) -> int:
    """Recount the examples and record version ``number``; returns the example count."""
    count = await DatasetRepository(session).set_example_count(dataset.id)
    await DatasetVersionRepository(session).add_version(dataset.id, number, reason, count)
    dataset.version, dataset.example_count = number, count
    return count


async def update(session: AsyncSession, user: User, dataset_id: uuid.UUID, body: DatasetUpdate) -> Dataset:
    """Apply the fields that were sent."""
    dataset = await get_writable(session, user, dataset_id)
    changes = body.model_dump(exclude_unset=True)
    if changes.get("name", "") is None:
        raise BadRequest("name cannot be null")
    if changes.get("description", "") is None:
        changes["description"] = ""
    return await DatasetRepository(session).update(dataset, changes)


async def delete(session: AsyncSession, user: User, dataset_id: uuid.UUID) -> None:
    """Delete a dataset with all its versions and examples."""
    dataset = await get_writable(session, user, dataset_id)
    await DatasetRepository(session).delete_with_rows(dataset.id)


async def detail(session: AsyncSession, dataset_id: uuid.UUID) -> DatasetDetail:
    """A dataset with statistics of its current version."""
    dataset = await get(session, dataset_id)
    buckets, unscored = await DatasetRepository(session).score_histogram(dataset.id)
    version = await DatasetVersionRepository(session).get_version(dataset.id, dataset.version)
    stats = DatasetStats(
        example_count=dataset.example_count,
        score_histogram=[
            ScoreBucket(lower=float(i), upper=float(i + 1), count=buckets.get(i, 0)) for i in range(10)
        ],
        unscored=unscored,
        by_stage=await DatasetRepository(session).count_by(dataset.id, Example.stage),
        by_status=await DatasetRepository(session).count_by(dataset.id, Example.status),
        current_version=VersionRead.model_validate(version) if version else None,
    )
    return DatasetDetail(**DatasetRead.model_validate(dataset).model_dump(), stats=stats)


async def check_version(session: AsyncSession, dataset: Dataset, number: int | None) -> int:
    """The version to read: ``number`` when it exists, else 404; the current one when omitted."""
    if number is None:
        return dataset.version
    if not 1 <= number <= dataset.version:
        raise NotFound(f"dataset {dataset.id} has versions 1 to {dataset.version}, not {number}")
    return number


async def compare(session: AsyncSession, dataset_id: uuid.UUID, old: int, new: int) -> VersionCompare:
    """Item keys added, removed and changed between two versions."""
    dataset = await get(session, dataset_id)
    old, new = await check_version(session, dataset, old), await check_version(session, dataset, new)
    diff = await DatasetRepository(session).compare_versions(dataset.id, old, new, COMPARE_KEY_LIMIT)
    return VersionCompare(
        from_version=old,
        to_version=new,
        added=diff["added"][0],
        removed=diff["removed"][0],
        changed=diff["changed"][0],
        added_keys=diff["added"][1],
        removed_keys=diff["removed"][1],
        changed_keys=diff["changed"][1],
        limit=COMPARE_KEY_LIMIT,
    )


async def compare_rows(
    session: AsyncSession, dataset_id: uuid.UUID, old: int, new: int, kind: ChangeKind, pagination: Pagination
) -> Page[RowChange]:
    """One page of the rows of one change kind between two versions, with their messages in each."""
    dataset = await get(session, dataset_id)
    old, new = await check_version(session, dataset, old), await check_version(session, dataset, new)
    total, rows = await DatasetRepository(session).version_rows(
        dataset.id, old, new, kind, pagination.offset, pagination.page_size
    )
    changes = [RowChange(item_key=key, kind=kind, before=before, after=after) for key, before, after in rows]
    return pagination.of(changes, total)


def example_row(
    dataset_id: uuid.UUID,
    position: int,
    messages: list[dict[str, Any]],
    *,
    item_key: str | None = None,
    metadata: dict[str, Any] | None = None,
    stage: str = "imported",
    provenance: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The column values of a new example at version 1."""
    return {
        "dataset_id": dataset_id,
        "item_key": item_key or f"row-{position:09d}",
        "position": position,
        "added_in": 1,
        "stage": stage,
        "messages": messages,
        "record": {"metadata": metadata} if metadata else None,
        "provenance": provenance or {},
        "search_text": search_text(messages),
    }


def copy_row(example: Example, dataset_id: uuid.UUID, position: int, item_key: str) -> dict[str, Any]:
    """The column values that copy ``example`` into another dataset at version 1."""
    return {
        "dataset_id": dataset_id,
        "item_key": item_key,
        "position": position,
        "added_in": 1,
        "status": example.status,
        "stage": example.stage,
        "messages": example.messages,
        "record": example.record,
        "score": example.score,
        "scores": example.scores,
        "cluster": example.cluster,
        "provenance": {
            **example.provenance,
            "copied_from": {"dataset_id": str(example.dataset_id), "example_id": str(example.id)},
        },
        "search_text": example.search_text,
    }
