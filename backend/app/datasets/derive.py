"""New datasets made from existing ones: merge, sample, split and convert. Sources are read in batches."""

from __future__ import annotations

import random
import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.errors import BadRequest, NotFound
from app.datasets import service
from app.datasets.example_repository import ExampleRepository
from app.datasets.exporting import export_record
from app.datasets.repository import DatasetRepository, DatasetVersionRepository
from app.datasets.schemas import (
    ConversionLoss,
    ConvertRequest,
    ConvertResult,
    DatasetCreate,
    DatasetRead,
    MergeRequest,
    SampleRequest,
    SkippedRow,
    SplitRequest,
)
from app.models import Dataset, Example, User
from distillation.export import assign_split, validate_splits
from distillation.formats import ConversionError, RecordError, from_chat, to_chat

BATCH = 500


class _Copier:
    """Appends copies of examples to a new dataset, inserting a batch at a time."""

    def __init__(self, session: AsyncSession, dataset: Dataset, *, keep_keys: bool) -> None:
        self.session, self.dataset, self.keep_keys = session, dataset, keep_keys
        self.count = 0
        self.pending: list[dict[str, Any]] = []

    async def add(self, example: Example, messages: list[dict[str, Any]] | None = None) -> None:
        key = example.item_key if self.keep_keys else f"row-{self.count:09d}"
        row = service.copy_row(example, self.dataset.id, self.count, key)
        if messages is not None:
            row |= {"messages": messages, "search_text": service.search_text(messages)}
        self.pending.append(row)
        self.count += 1
        if len(self.pending) >= BATCH:
            await self.flush()

    async def flush(self) -> None:
        await ExampleRepository(self.session).add_rows(self.pending)
        self.pending = []

    async def finish(self) -> Dataset:
        await self.flush()
        self.dataset.example_count = self.count
        version = await DatasetVersionRepository(self.session).get_version(self.dataset.id, 1)
        if version is not None:
            version.example_count = self.count
        return self.dataset


def _like(source: Dataset, name: str, description: str) -> DatasetCreate:
    return DatasetCreate(
        name=name[:200],
        description=description,
        data_type=source.data_type,
        domain=source.domain,
        subdomain=source.subdomain,
    )


async def merge(session: AsyncSession, user: User, body: MergeRequest) -> Dataset:
    """One new dataset holding the current examples of every source, in the order given."""
    ids = list(dict.fromkeys(body.ids))
    found = {d.id: d for d in await DatasetRepository(session).get_many(ids)}
    missing = [str(i) for i in ids if i not in found]
    if missing:
        raise NotFound(f"no dataset {', '.join(missing)}")
    sources = [found[i] for i in ids]
    if len({d.data_type for d in sources}) > 1:
        raise BadRequest("only datasets of one data type can be merged")
    lineage = {"merged_from": [str(i) for i in ids]}
    target = await service.create(
        session, user, _like(sources[0], body.name, body.description), reason="merge", extra=lineage
    )
    copier = _Copier(session, target, keep_keys=False)
    for source in sources:
        async for batch in ExampleRepository(session).iter_examples(source.id, source.version):
            for example in batch:
                await copier.add(example)
    return await copier.finish()


async def sample(session: AsyncSession, user: User, dataset_id: uuid.UUID, body: SampleRequest) -> Dataset:
    """A new dataset with ``n`` examples picked at random (the same ``seed`` picks the same ones)."""
    source = await service.get(session, dataset_id)
    available = await DatasetRepository(session).count_live(source.id)
    if body.n > available:
        raise BadRequest(f"n={body.n} is more than the {available} examples of the dataset")
    # Indexes into the dataset order: memory grows with n, not with the dataset.
    picked = set(random.Random(body.seed).sample(range(available), body.n))
    name = body.name or f"{source.name} (sample {body.n}, seed {body.seed})"
    lineage = {"sampled_from": str(source.id), "version": source.version, "seed": body.seed}
    target = await service.create(
        session, user, _like(source, name, source.description), reason="sample", extra=lineage
    )
    copier = _Copier(session, target, keep_keys=True)
    index = 0
    async for batch in ExampleRepository(session).iter_examples(source.id, source.version):
        for example in batch:
            if index in picked:
                await copier.add(example)
            index += 1
    return await copier.finish()


async def split(
    session: AsyncSession, user: User, dataset_id: uuid.UUID, body: SplitRequest
) -> dict[str, Dataset]:
    """One new dataset per split; an example's split depends only on its messages and the seed."""
    source = await service.get(session, dataset_id)
    try:
        ratios = validate_splits(body.ratios)
    except ValueError as exc:
        raise BadRequest(str(exc)) from exc
    copiers: dict[str, _Copier] = {}
    for name in ratios:
        lineage = {"split_from": str(source.id), "version": source.version, "split": name, "seed": body.seed}
        target = await service.create(
            session,
            user,
            _like(source, f"{source.name} ({name})", source.description),
            "split",
            extra=lineage,
        )
        copiers[name] = _Copier(session, target, keep_keys=True)
    async for batch in ExampleRepository(session).iter_examples(source.id, source.version):
        for example in batch:
            await copiers[assign_split({"messages": example.messages}, ratios, seed=body.seed)].add(example)
    return {name: await copier.finish() for name, copier in copiers.items()}


LISTED = 20


class _Losses:
    """What a conversion changed, grouped by kind, with the first rows of each."""

    def __init__(self) -> None:
        self.by_kind: dict[str, ConversionLoss] = {}
        self.lossy = 0
        self.skipped: list[SkippedRow] = []
        self.skipped_count = 0

    def note(self, key: str, notes: list[tuple[str, str]]) -> None:
        if notes:
            self.lossy += 1
        for kind in dict.fromkeys(kind for kind, _ in notes):
            detail = next(d for k, d in notes if k == kind)
            loss = self.by_kind.setdefault(
                kind, ConversionLoss(kind=kind, detail=detail, rows=0, item_keys=[])
            )
            loss.rows += 1
            if len(loss.item_keys) < LISTED:
                loss.item_keys.append(key)

    def skip(self, key: str, reason: str) -> None:
        self.skipped_count += 1
        if len(self.skipped) < LISTED:
            self.skipped.append(SkippedRow(item_key=key, reason=reason))


def _reshape(example: Example, view: str) -> tuple[list[dict[str, Any]], list[tuple[str, str]]]:
    """The row as the view holds it, back in chat form, and what the round trip changed."""
    there = from_chat(export_record(example), view)
    back = to_chat(there.record, view)
    notes = [(n.kind, n.detail) for n in (*there.notes, *back.notes)]
    return list(back.record["messages"]), notes


async def convert(
    session: AsyncSession, user: User, dataset_id: uuid.UUID, body: ConvertRequest
) -> ConvertResult:
    """A new dataset whose rows are what ``body.format`` can hold; every change is counted, none is silent.

    Raises:
        BadRequest: A row cannot be expressed in the view (with ``on_error="fail"``), naming the row.
    """
    source = await service.get(session, dataset_id)
    name = body.name or f"{source.name} ({body.format})"
    lineage = {"converted_from": str(source.id), "version": source.version, "format": body.format}
    target = await service.create(
        session,
        user,
        _like(source, name, source.description),
        reason=f"convert to {body.format}",
        extra=lineage,
    )
    copier = _Copier(session, target, keep_keys=True)
    losses = _Losses()
    async for batch in ExampleRepository(session).iter_examples(source.id, source.version):
        for example in batch:
            try:
                messages, notes = _reshape(example, body.format)
            except (ConversionError, RecordError) as exc:
                if body.on_error == "fail":
                    raise BadRequest(
                        f"row {example.item_key} cannot be expressed as {body.format}: {exc}; "
                        "send on_error=skip to leave such rows out"
                    ) from exc
                losses.skip(example.item_key, str(exc))
                continue
            losses.note(example.item_key, notes)
            await copier.add(example, messages)
    dataset = await copier.finish()
    return ConvertResult(
        dataset=DatasetRead.model_validate(dataset),
        format=body.format,
        converted=dataset.example_count,
        lossy=losses.lossy,
        skipped=losses.skipped_count,
        losses=list(losses.by_kind.values()),
        skipped_rows=losses.skipped,
    )
