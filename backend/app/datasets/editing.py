"""Changing examples: every edit or removal is a new dataset version, and old versions stay readable.

An edit closes the old row (``removed_in`` = the new version) and adds a new row with the same item key
and position (``added_in`` = the new version); a removal only closes the row.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.errors import Conflict, NotFound, UnprocessableContent
from app.datasets import service
from app.datasets.example_repository import ExampleRepository
from app.datasets.repository import DatasetRepository
from app.datasets.schemas import BulkAction, ChatMessage, ExampleUpdate, VersionChange
from app.models import Example, User
from app.models.base import utcnow
from distillation.formats import RecordError, validate_chat


async def get_example(session: AsyncSession, dataset_id: uuid.UUID, example_id: uuid.UUID) -> Example:
    """An example row of a dataset (of any version), or 404."""
    example = await ExampleRepository(session).get_in_dataset(dataset_id, example_id)
    if example is None:
        await service.get(session, dataset_id)  # 404 for the dataset when that is what is missing
        raise NotFound(f"no example {example_id} in dataset {dataset_id}")
    return example


async def _current(session: AsyncSession, dataset_id: uuid.UUID, example_id: uuid.UUID) -> Example:
    example = await get_example(session, dataset_id, example_id)
    if example.removed_in is not None:
        raise Conflict(f"example {example_id} was replaced or removed in version {example.removed_in}")
    return example


def checked_messages(old: Example, messages: Sequence[ChatMessage]) -> list[dict[str, Any]]:
    """New messages for ``old``'s row, checked as a chat record with the row's metadata, or 422."""
    metadata = (old.record or {}).get("metadata")
    candidate = {"messages": [m.model_dump(exclude_none=True) for m in messages]}
    try:
        chat = validate_chat(candidate | ({"metadata": metadata} if isinstance(metadata, dict) else {}))
    except RecordError as exc:
        raise UnprocessableContent(str(exc)) from exc
    return [dict(m) for m in chat["messages"]]


def replacement(old: Example, messages: list[dict[str, Any]], number: int, editor_id: uuid.UUID) -> Example:
    """The row that replaces ``old`` in version ``number`` with new messages."""
    return Example(
        dataset_id=old.dataset_id,
        item_key=old.item_key,
        position=old.position,
        added_in=number,
        status=old.status,
        stage=old.stage,
        messages=messages,
        record=old.record,
        # The scores judged the old text; they do not describe the edited one.
        score=None,
        scores=None,
        provenance={**old.provenance, "edited_from": str(old.id), "edited_by": str(editor_id)},
        cluster=old.cluster,
        search_text=service.search_text(messages),
        created_at=utcnow(),
    )


async def edit(
    session: AsyncSession, user: User, dataset_id: uuid.UUID, example_id: uuid.UUID, body: ExampleUpdate
) -> Example:
    """Replace an example's messages in a new version; returns the new row."""
    dataset = await service.get_writable(session, user, dataset_id)
    service.ensure_idle(dataset)
    old = await _current(session, dataset_id, example_id)
    messages = checked_messages(old, body.messages)
    number = await DatasetRepository(session).bump_version(dataset.id)
    if await ExampleRepository(session).close(dataset.id, [old.id], number) != 1:
        raise Conflict(f"example {example_id} was changed by someone else; reload it")
    new = replacement(old, messages, number, user.id)
    await ExampleRepository(session).create(new)
    await service.finish_version(session, dataset, number, f"edit example {old.item_key}")
    return new


async def remove(
    session: AsyncSession, user: User, dataset_id: uuid.UUID, ids: list[uuid.UUID], reason: str
) -> VersionChange:
    """Remove current examples in one new version."""
    dataset = await service.get_writable(session, user, dataset_id)
    service.ensure_idle(dataset)
    number = await DatasetRepository(session).bump_version(dataset.id)
    removed = await ExampleRepository(session).close(dataset.id, ids, number)
    if removed == 0:
        # Raising rolls the version bump back with everything else.
        raise Conflict("none of the given examples is in the current version")
    count = await service.finish_version(session, dataset, number, reason)
    return VersionChange(version=number, affected=removed, example_count=count)


async def delete(session: AsyncSession, user: User, dataset_id: uuid.UUID, example_id: uuid.UUID) -> None:
    """Remove one example in a new version."""
    await service.get_writable(session, user, dataset_id)
    example = await _current(session, dataset_id, example_id)
    await remove(session, user, dataset_id, [example.id], f"remove example {example.item_key}")


async def bulk(session: AsyncSession, user: User, dataset_id: uuid.UUID, body: BulkAction) -> VersionChange:
    """Apply a bulk action as one new version."""
    ids = list(dict.fromkeys(body.ids))
    return await remove(session, user, dataset_id, ids, f"bulk remove {len(ids)} example(s)")
