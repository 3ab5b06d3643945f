"""Batch delivery of a job: the library's batch journal on the database, and its progress there.

A job with ``delivery: batch`` hands the requests of the stages that can wait to the library's
``BatchDelivery``; the batches it submits are journalled here (table ``job_batches``), keyed by the job,
so that whichever worker leases the items next (after a kill, a restart, a lease that ran out) polls
the pending batch again instead of submitting its requests a second time. Each poll's state and
counts are written to the same row, which the job's read model shows ("N of M answered").
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Collection

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.jobs import batch_repository
from distillation.pipeline import BatchProgress

logger = logging.getLogger(__name__)

# States the library reports that are not a poll's: the row already says "submitted".
_NOT_POLLED = frozenset({"submitted", "resumed"})


class DbBatchJournal:
    """The library's ``BatchJournal`` of one job on the ``job_batches`` table.

    Lookups are served from memory; a fingerprint not seen yet reads the batches other workers
    recorded since (one read at a time, shared by every lookup that missed while it ran).
    """

    def __init__(self, maker: async_sessionmaker[AsyncSession], job_id: uuid.UUID) -> None:
        self.maker = maker
        self.job_id = job_id
        self._known: dict[str, str] = {}
        self._batches: set[str] = set()
        self._lock = asyncio.Lock()
        self._reads = 0  # reads started so far
        self._latest: dict[str, BatchProgress] = {}
        self._writer: asyncio.Task[None] | None = None

    async def batch_of(self, fingerprint: str) -> str | None:
        """The batch a request of this job was submitted in, by any worker, if any."""
        found = self._known.get(fingerprint)
        if found is not None:
            return found
        ticket = self._reads
        async with self._lock:
            if self._reads == ticket:  # no read started since this lookup missed: read now
                self._reads += 1
                await self._read()
        return self._known.get(fingerprint)

    async def record(self, batch_id: str, model_id: str, fingerprints: Collection[str]) -> None:
        """Remember a batch the provider accepted (committed before this returns)."""
        async with self.maker() as session, session.begin():
            await batch_repository.record_batch(session, self.job_id, batch_id, model_id, fingerprints)
        self._add(batch_id, fingerprints)

    def progress(self, progress: BatchProgress) -> None:
        """The library's progress hook: keep each poll's state and counts (written in the background)."""
        if progress.state in _NOT_POLLED:
            return
        self._latest[progress.batch_id] = progress
        if self._writer is None or self._writer.done():
            self._writer = asyncio.get_running_loop().create_task(self._write())

    async def _read(self) -> None:
        async with self.maker() as session:
            new = await batch_repository.fingerprints_of(session, self.job_id, exclude=self._batches)
        for batch_id, fingerprints in new:
            self._add(batch_id, fingerprints)

    def _add(self, batch_id: str, fingerprints: Collection[str]) -> None:
        self._batches.add(batch_id)
        for fingerprint in fingerprints:
            self._known[fingerprint] = batch_id

    async def _write(self) -> None:
        while self._latest:
            batch_id = next(iter(self._latest))
            progress = self._latest.pop(batch_id)
            try:
                async with self.maker() as session, session.begin():
                    await batch_repository.set_progress(
                        session,
                        self.job_id,
                        batch_id,
                        progress.state,
                        progress.total,
                        progress.answered,
                        progress.failed,
                    )
            except Exception:  # progress is for show: the next poll writes it again
                logger.warning("could not record the progress of batch %s", batch_id, exc_info=True)
