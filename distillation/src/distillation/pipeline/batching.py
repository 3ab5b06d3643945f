"""Batch delivery: the requests of a stage go to the provider's batch API as one job, at the batch rate.

It is a delivery mode of the one paid-call path (:class:`~distillation.pipeline.calls.PaidCalls`),
not a way around it: each request is fingerprinted, looked up in the cache and reserved against the
budget as usual, then handed to :meth:`BatchDelivery.answer` instead of being sent. Requests that
arrive together (the items of a stage start at once) are gathered until none has come for
``gather_s`` seconds, then submitted as one batch per model; the batch is polled until it ends, and
each request's answer goes back to its caller, which settles it at the batch rate and caches it.

Resuming: every batch is written to a :class:`BatchJournal` (request fingerprint → batch id) as
soon as the provider has accepted it: a JSONL file for the CLI (:class:`FileBatchJournal`), a table
for the service's jobs (any object with the protocol's two methods). A rerun's request whose
fingerprint is in the journal, and not yet in the cache, polls that batch again instead of being
submitted a second time. A request the batch failed, or did not reach before it expired, comes back
as an error; the caller sends it online.
When the run stops (Ctrl-C), the requests waiting for a batch stop waiting: the batch stays at the
provider and in the journal, and the next run resumes it.

Delivery ``auto`` is batch delivery with a deadline: a request joins a batch only while the
deadline leaves the providers' completion window (24 hours: OpenAI's and Anthropic's batches end,
answered or expired, within it); once the deadline is nearer, requests go online. A batch already
submitted ends within the window, before the deadline, and whatever it did not answer goes online.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from collections.abc import Callable, Collection, Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal, Protocol

from distillation.pipeline.accounting import SpendingStopped
from distillation.pipeline.types import Stage
from distillation.providers import ChatRequest, LLMClient, ProviderError
from distillation.providers.batch import BatchAPI, BatchedCompletion, BatchExpiredError, BatchResults

# The stages that can wait for a batch: the task policy is one request every later stage waits for.
BATCH_STAGES = frozenset({Stage.seed, Stage.bulk, Stage.judge, Stage.fix})
# Consecutive failed polls of one batch before its requests are sent online instead.
MAX_POLL_FAILURES = 5
# How long a provider may take to end a batch (OpenAI's completion window, Anthropic's limit).
BATCH_WINDOW = timedelta(hours=24)

# How a run sends the requests of the stages that can wait: all online, in provider batches, or in
# batches while a deadline leaves them time (see the module docstring).
Delivery = Literal["online", "batch", "auto"]

BatchOutcome = BatchedCompletion | ProviderError

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class BatchProgress:
    """A batch's state, reported when it is submitted (or resumed) and at every poll.

    Attributes:
        batch_id: The provider's id of the batch.
        model_id: The model it runs on.
        state: ``submitted``, ``resumed``, or the provider's word (``in_progress``, ``completed``...).
        total: Requests in the batch.
        answered: Requests answered so far.
        failed: Requests failed so far.
    """

    batch_id: str
    model_id: str
    state: str
    total: int
    answered: int = 0
    failed: int = 0


BatchHook = Callable[[BatchProgress], None]


class BatchJournal(Protocol):
    """Where the batches submitted for a run are remembered, by request fingerprint.

    A journal outlives the process: a request whose fingerprint it holds is polled in that batch
    again instead of being submitted a second time.
    """

    async def batch_of(self, fingerprint: str) -> str | None:
        """The batch a request was submitted in, if any."""
        ...

    async def record(self, batch_id: str, model_id: str, fingerprints: Collection[str]) -> None:
        """Remember a submitted batch (durably, before this returns)."""
        ...


class FileBatchJournal:
    """A :class:`BatchJournal` in an append-only JSONL file.

    Each line is one batch: ``{"batch_id", "model_id", "fingerprints"}``, flushed and synced before
    any of its requests is waited for, so a process killed while a batch is pending leaves its id.
    Without a path the journal lives in memory (a run that cannot resume).
    """

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self._batches: dict[str, str] = {}
        if path is not None and path.exists():
            for line in path.read_text(encoding="utf-8").splitlines():
                try:
                    entry = json.loads(line)
                    self._add(str(entry["batch_id"]), [str(f) for f in entry["fingerprints"]])
                except (ValueError, KeyError, TypeError):  # a line cut short by a crash
                    continue

    async def batch_of(self, fingerprint: str) -> str | None:
        """The batch a request was submitted in, if any."""
        return self._batches.get(fingerprint)

    async def record(self, batch_id: str, model_id: str, fingerprints: Collection[str]) -> None:
        """Remember a submitted batch (on disk before this returns)."""
        self._add(batch_id, fingerprints)
        if self.path is None:
            return
        line = json.dumps({"batch_id": batch_id, "model_id": model_id, "fingerprints": list(fingerprints)})
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as file:
            file.write(line + "\n")
            file.flush()
            os.fsync(file.fileno())

    def _add(self, batch_id: str, fingerprints: Collection[str]) -> None:
        for fingerprint in fingerprints:
            self._batches[fingerprint] = batch_id


@dataclass
class _Pending:
    """Requests of one model waiting to be submitted."""

    client: LLMClient
    requests: dict[str, list[asyncio.Future[BatchOutcome]]] = field(default_factory=dict)
    wire: dict[str, ChatRequest] = field(default_factory=dict)
    timer: asyncio.TimerHandle | None = None


@dataclass
class _Watch:
    """A submitted batch being polled, and who waits for which of its answers."""

    batch_id: str
    client: LLMClient
    waiting: dict[str, list[asyncio.Future[BatchOutcome]]] = field(default_factory=dict)
    requests: dict[str, ChatRequest] = field(default_factory=dict)  # as sent, to read their answers


def batch_in_time(deadline: datetime | None, now: datetime, window: timedelta = BATCH_WINDOW) -> bool:
    """Whether a batch submitted at ``now`` ends (answered or expired) by ``deadline`` (None: no deadline)."""
    return deadline is None or now + window <= deadline


class BatchDelivery:
    """Gathers requests into provider batches, polls them, and hands each answer back.

    Args:
        journal: Where submitted batches are remembered (see :class:`BatchJournal`); None: in memory.
        poll_s: Seconds between two polls of a batch.
        gather_s: A batch is submitted once no request has joined it for this long.
        max_requests: A batch is submitted at once when it holds this many requests.
        stages: The stages whose requests go in batches; the others are sent online.
        on_progress: Called with every submission and poll (``batch submitted / N of M answered``).
        deadline: When the run's answers are due (delivery ``auto``): requests go online once it is
            nearer than ``window``; None: no deadline.
        window: The most a provider takes to end a batch.
        clock: The current time (aware, UTC), for tests.

    Attributes:
        submitted: Batches this delivery submitted (resumed ones not included).
    """

    def __init__(
        self,
        journal: BatchJournal | None = None,
        *,
        poll_s: float = 30.0,
        gather_s: float = 0.5,
        max_requests: int = 50_000,
        stages: Collection[str] = BATCH_STAGES,
        on_progress: BatchHook | None = None,
        deadline: datetime | None = None,
        window: timedelta = BATCH_WINDOW,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.journal: BatchJournal = journal if journal is not None else FileBatchJournal()
        self.poll_s, self.gather_s, self.max_requests = poll_s, gather_s, max_requests
        self.stages = frozenset(stages)
        self.on_progress = on_progress
        self.deadline, self.window, self.clock = deadline, window, clock
        self.submitted = 0
        self.stopped = False
        self._pending: dict[str, _Pending] = {}
        self._watches: dict[str, _Watch] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def takes(self, client: LLMClient, stage: str) -> bool:
        """Whether a request of ``stage`` to ``client`` goes in a batch.

        Its stage can wait, its provider has a batch API and the deadline, if any, is far enough.
        """
        return stage in self.stages and client.batch_api is not None and self.in_time()

    def in_time(self) -> bool:
        """Whether a batch submitted now ends before the deadline (always, without one)."""
        return batch_in_time(self.deadline, self.clock(), self.window)

    async def answer(self, client: LLMClient, request: ChatRequest, fingerprint: str) -> BatchOutcome:
        """The answer a batch gives to ``request``, or why it gave none.

        A request already submitted (the journal has its fingerprint) waits for that batch.
        """
        if self.stopped:
            return SpendingStopped()
        known = await self.journal.batch_of(fingerprint)
        if self.stopped:
            return SpendingStopped()
        future: asyncio.Future[BatchOutcome] = asyncio.get_running_loop().create_future()
        if known is not None:
            wire = {fingerprint: client.wire_request(request)}
            self._watch(known, client, {fingerprint: [future]}, wire, resumed=True)
            return await future
        pending = self._pending.setdefault(client.model_id, _Pending(client))
        pending.requests.setdefault(fingerprint, []).append(future)
        pending.wire[fingerprint] = request
        if len(pending.requests) >= self.max_requests:
            self._spawn(self._submit(client.model_id))
        else:
            self._arm(pending, client.model_id)
        return await future

    def stop(self) -> None:
        """The run is stopping: submit nothing more, and stop waiting for batches.

        Every request still waiting gets :class:`SpendingStopped`; batches already submitted stay
        in the journal, and the next run resumes them.
        """
        self.stopped = True
        for pending in self._pending.values():
            if pending.timer is not None:
                pending.timer.cancel()
            _resolve_all(pending.requests, SpendingStopped())
        self._pending.clear()
        for watch in self._watches.values():
            _resolve_all(watch.waiting, SpendingStopped())
            watch.waiting.clear()

    async def aclose(self) -> None:
        """Stop gathering and polling (batches already submitted stay in the journal)."""
        for pending in self._pending.values():
            if pending.timer is not None:
                pending.timer.cancel()
        self._pending.clear()
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def _arm(self, pending: _Pending, model_id: str) -> None:
        if pending.timer is not None:
            pending.timer.cancel()
        loop = asyncio.get_running_loop()
        pending.timer = loop.call_later(self.gather_s, lambda: self._spawn(self._submit(model_id)))

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _submit(self, model_id: str) -> None:
        pending = self._pending.pop(model_id, None)
        if pending is None:
            return
        if pending.timer is not None:
            pending.timer.cancel()
        # A caller that stopped waiting (its run was cancelled) is not submitted.
        waiting = {key: live for key, futures in pending.requests.items() if (live := _live(futures))}
        if not waiting:
            return
        client, api = pending.client, pending.client.batch_api
        assert api is not None
        lines = {key: client.wire_request(pending.wire[key]) for key in waiting}
        try:
            batch_id = await api.submit(list(lines.items()))
        except ProviderError as exc:  # nothing was submitted: each request goes online
            _resolve_all(waiting, exc)
            return
        try:
            await self.journal.record(batch_id, model_id, list(waiting))
        except Exception:  # the batch is at the provider: wait for it here, it just cannot be resumed
            logger.warning("batch %s (%s) could not be journalled", batch_id, model_id, exc_info=True)
        self.submitted += 1
        self._report(BatchProgress(batch_id, model_id, "submitted", len(waiting)))
        self._watch(batch_id, client, waiting, lines, resumed=False)

    def _watch(
        self,
        batch_id: str,
        client: LLMClient,
        waiting: dict[str, list[asyncio.Future[BatchOutcome]]],
        requests: dict[str, ChatRequest],
        *,
        resumed: bool,
    ) -> None:
        watch = self._watches.get(batch_id)
        if watch is None:
            watch = self._watches[batch_id] = _Watch(batch_id, client)
            if resumed:
                self._report(BatchProgress(batch_id, client.model_id, "resumed", 0))
            self._spawn(self._poll(watch))
        for key, futures in waiting.items():
            watch.waiting.setdefault(key, []).extend(futures)
        watch.requests.update(requests)

    async def _poll(self, watch: _Watch) -> None:
        api = watch.client.batch_api
        assert api is not None
        try:
            results = await self._wait_for_end(api, watch)
        except ProviderError as exc:  # the batch cannot be followed: its requests go online
            del self._watches[watch.batch_id]
            _resolve_all(watch.waiting, exc)
            return
        # No await from here on: a request arriving later watches the ended batch anew.
        del self._watches[watch.batch_id]
        _deliver(watch.batch_id, results, watch.waiting)

    async def _wait_for_end(self, api: BatchAPI, watch: _Watch) -> BatchResults:
        failures = 0
        while True:
            try:
                status = await api.status(watch.batch_id)
            except ProviderError as exc:
                failures += 1
                if not exc.retryable or failures >= MAX_POLL_FAILURES:
                    raise
            else:
                failures = 0
                self._report(
                    BatchProgress(
                        watch.batch_id,
                        watch.client.model_id,
                        status.state,
                        status.total,
                        status.answered,
                        status.failed,
                    )
                )
                if status.ended:
                    return await api.results(watch.batch_id, watch.requests)
            await asyncio.sleep(self.poll_s)

    def _report(self, progress: BatchProgress) -> None:
        if self.on_progress is not None:
            self.on_progress(progress)


def _live(futures: list[asyncio.Future[BatchOutcome]]) -> list[asyncio.Future[BatchOutcome]]:
    return [future for future in futures if not future.done()]


def _deliver(
    batch_id: str, results: BatchResults, waiting: dict[str, list[asyncio.Future[BatchOutcome]]]
) -> None:
    for key, futures in waiting.items():
        found = results.get(key)
        if found is None:
            outcome: BatchOutcome = BatchExpiredError(f"batch {batch_id} returned no result for the request")
        elif isinstance(found, ProviderError):
            outcome = found
        else:
            outcome = BatchedCompletion(batch_id, found)
        for future in _live(futures):
            future.set_result(outcome)


def _resolve_all(waiting: dict[str, list[asyncio.Future[BatchOutcome]]], error: ProviderError) -> None:
    for futures in waiting.values():
        for future in _live(futures):
            future.set_result(error)
