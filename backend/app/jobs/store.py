"""Committing an accepted row: duplicate checks across workers, the example, its item, one transaction.

Exact duplicates are found by the hash of the normalised text; near-duplicates by MinHash-LSH bands
kept in ``example_bands`` and confirmed with the exact Jaccard similarity of the shingle sets. The
check and the insert run under a per-dataset lock (a Postgres advisory lock; SQLite has one writer at a
time already, taken by the transaction's first write), so two workers cannot both accept a pair of
near-duplicates.

Lock order: a transaction that writes a job and its dataset writes the job row
first, then the dataset (its advisory lock, then its row). Workers accepting rows, the reconciler
finishing a job and the control actions (cancel, resume) all follow it, so none of them waits on
another in a cycle.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from datasketch import MinHash, MinHashLSH
from sqlalchemy.ext.asyncio import AsyncSession

from app.datasets.service import search_text
from app.jobs import example_repository, repository
from app.jobs.repository import Lease
from app.models import Example, ItemStatus
from distillation.pipeline import Row
from distillation.quality import NearDuplicateConfig, shingles, text_hash


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """What the duplicate checks need of a text."""

    text: str
    hash: str
    bands: tuple[int, ...]


@lru_cache(maxsize=8)
def _layout(threshold: float, num_perm: int, seed: int) -> tuple[list[tuple[int, int]], MinHash]:
    lsh = MinHashLSH(threshold=max(0.05, threshold - 0.1), num_perm=num_perm)
    return [(int(a), int(b)) for a, b in lsh.hashranges], MinHash(num_perm=num_perm, seed=seed)


def compared_text(messages: list[dict[str, Any]]) -> str:
    """The text duplicates are judged on: every turn but the system prompt (shared by many rows)."""
    return " ".join(str(m.get("content", "")) for m in messages if m.get("role") != "system")


def fingerprint(messages: list[dict[str, Any]], config: NearDuplicateConfig) -> Fingerprint:
    """The exact hash and the LSH band keys of an example's text."""
    text_ = compared_text(messages)
    items = shingles(text_, config)
    if not items:
        return Fingerprint(text_, text_hash(text_), ())
    ranges, template = _layout(config.threshold, config.num_perm, config.seed)
    minhash = MinHash(
        num_perm=config.num_perm,
        seed=config.seed,
        permutations=template.permutations,
        scheme=template.scheme,
    )
    minhash.update_batch([item.encode() for item in sorted(items)])
    values = np.asarray(minhash.hashvalues, dtype=np.uint64)
    bands = tuple(
        int.from_bytes(hashlib.blake2b(values[a:b].tobytes(), digest_size=8).digest(), "big", signed=True)
        for a, b in ranges
    )
    return Fingerprint(text_, text_hash(text_), bands)


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


async def duplicate_of(
    session: AsyncSession,
    dataset_id: uuid.UUID,
    print_: Fingerprint,
    config: NearDuplicateConfig,
    *,
    besides: str | None = None,
) -> str | None:
    """Why ``print_`` repeats a live example ("exact duplicate of <key>", "near-duplicate of <key>").

    ``besides``: an item key whose row is not compared (the row being replaced).
    """
    exact = await example_repository.live_key_with_hash(session, dataset_id, print_.hash, besides=besides)
    if exact is not None:
        return f"exact duplicate of {exact}"
    if not print_.bands:
        return None
    candidates = await example_repository.live_rows_in_bands(
        session, dataset_id, print_.bands, besides=besides
    )
    mine = shingles(print_.text, config)
    for key, messages in candidates:
        theirs = shingles(compared_text(messages), config)
        if _jaccard(mine, theirs) >= config.threshold:
            return f"near-duplicate of {key}"
    return None


async def accept(
    session: AsyncSession,
    held: Lease,
    dataset_id: uuid.UUID,
    row: Row,
    config: NearDuplicateConfig,
    position: int | None = None,
    result: dict[str, Any] | None = None,
    provenance: dict[str, Any] | None = None,
) -> tuple[bool, str | None]:
    """Finish the item with its example. Returns (lease still held, why it duplicates a kept row).

    ``position``: the row's place in the dataset (the item's own position when None); ``result``: more
    of the item's result than the row's score; ``provenance``: keys added to the row's provenance.
    """
    result = {"score": row.score, **(result or {})}
    if not await repository.finish(session, held, ItemStatus.done, result=result):
        return False, None
    await repository.mark_progress(session, held.job_id)  # the job row before the dataset (lock order)
    await example_repository.lock_dataset(session, dataset_id)
    print_ = fingerprint(row.messages, config)
    duplicate = await duplicate_of(session, dataset_id, print_, config)
    if duplicate is not None:
        return True, duplicate
    version = await example_repository.dataset_version(session, dataset_id)
    place = held.position if position is None else position
    await _insert(session, dataset_id, held.item_key, place, version, row, print_, provenance)
    await example_repository.count_one_more(session, dataset_id)
    return True, None


async def replace(
    session: AsyncSession, old: Example, row: Row, version: int, config: NearDuplicateConfig
) -> str | None:
    """Put ``row`` in place of ``old`` from ``version`` on; why it duplicates another row, if it does."""
    await example_repository.lock_dataset(session, old.dataset_id)
    print_ = fingerprint(row.messages, config)
    duplicate = await duplicate_of(session, old.dataset_id, print_, config, besides=old.item_key)
    if duplicate is not None:
        return duplicate
    await example_repository.retire(session, old.id, version)
    extra = {"replaces": str(old.id)}
    await _insert(session, old.dataset_id, old.item_key, old.position, version, row, print_, extra)
    return None


async def _insert(
    session: AsyncSession,
    dataset_id: uuid.UUID,
    key: str,
    position: int,
    version: int,
    row: Row,
    print_: Fingerprint,
    extra: dict[str, Any] | None = None,
) -> None:
    example = Example(
        dataset_id=dataset_id,
        item_key=key,
        position=position,
        added_in=version,
        stage=row.stage,
        messages=row.messages,
        record=row.record,
        score=row.score,
        scores=row.provenance.judge_scores,
        provenance=row.provenance.model_dump(mode="json") | (extra or {}),
        search_text=search_text(row.messages),
        content_hash=print_.hash,
    )
    await example_repository.add(session, example, print_.bands)
