"""The in-process runner: a sliding window of items per stage until exactly ``count`` rows are accepted.

Rows stream to the sink as they are accepted. A rejected row is replaced by a new item (up to
``max_extra_items``); no more items are in flight than rows still missing, so no paid call is wasted
on rows that would be thrown away. A budget stop during the seed stage, once a seed is accepted, moves
on to the bulk stage (the student's calls may fit what the teacher's cannot; the policy comes from
the seeds when the teacher's policy call does not fit), and the run still ends ``budget_exhausted``.
A budget stop or a cancellation ends the run cleanly: answers
already paid for are in the cache, and a rerun resumes without paying for them again. A cancellation
starts no new item and no new call (items waiting for a call slot, or for their judge, end there), but
lets calls already sent finish: cutting a call whose answer the provider has already billed would
lose that answer and pay for it again on resume. Requests waiting for a provider batch stop waiting
(it may take hours): the batch stays in the journal, and the next run resumes it. An unexpected error (a bug,
a failing hook or sink) cancels the items in flight and waits for them before it propagates, so no
task outlives the run: answers that already arrived are in the cache (storing one is finished even
when its task is cancelled), and the caller can close its sinks and clients safely.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from distillation.cost import savings_breakdown
from distillation.datatypes import TaskPolicy
from distillation.pipeline.accounting import BudgetExceeded, SpendingStopped
from distillation.pipeline.config import item_key
from distillation.pipeline.dedup import StreamingDeduplicator
from distillation.pipeline.engine import (
    Engine,
    ItemResult,
    default_policy,
    extract_policy,
    write_bulk,
    write_seed,
)
from distillation.pipeline.types import (
    LeverSaving,
    Rejection,
    Row,
    RowStage,
    RunReport,
    RunStatus,
    Stage,
    StageStats,
)
from distillation.pipeline.validate import validate_row
from distillation.providers import ProviderError
from distillation.providers.errors import (
    AuthenticationError,
    ConfigurationError,
    MissingDependencyError,
    UnknownProviderError,
)
from distillation.quality import NearDuplicateConfig
from distillation.scenarios import ScenarioTally

# Failures that would repeat for every item: stop the run and say why instead of rejecting every row.
FATAL = (AuthenticationError, ConfigurationError, MissingDependencyError, UnknownProviderError)


class RowSink(Protocol):
    """Where accepted and rejected rows go as they are decided."""

    async def write(self, row: Row) -> None:
        """An accepted row."""
        ...

    async def reject(self, rejection: Rejection) -> None:
        """A rejected row."""
        ...


@dataclass(frozen=True, slots=True)
class Progress:
    """Where a run stands, reported after every item."""

    stage: str
    accepted: int
    target: int
    rejected: int
    cost_usd: Decimal


ProgressHook = Callable[[Progress], Awaitable[None] | None]


class _Stopped(Exception):
    def __init__(self, status: RunStatus, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message
        self.kept: list[Row] = []  # the rows a stage that keeps its rows had accepted when it stopped


class Runner:
    """Runs the stages of one generation over an :class:`Engine`."""

    def __init__(
        self,
        engine: Engine,
        sink: RowSink,
        *,
        on_progress: ProgressHook | None = None,
        cancel: asyncio.Event | None = None,
    ) -> None:
        self.engine = engine
        self.sink = sink
        self.on_progress = on_progress
        self.cancel = cancel or asyncio.Event()
        self.stats: dict[str, StageStats] = {
            s: StageStats() for s in (Stage.seed, Stage.policy, Stage.bulk, Stage.judge, Stage.fix)
        }
        self.reasons: Counter[str] = Counter()
        self.scenarios = ScenarioTally()  # counts only: a long run keeps no list of scenarios
        self.dedup = StreamingDeduplicator(
            NearDuplicateConfig(threshold=engine.config.near_duplicate_threshold)
        )
        self.accepted = 0

    async def run(self) -> RunReport:
        """Run every stage; returns the report (also when stopped by the budget or a cancellation)."""
        started = time.monotonic()
        config = self.engine.config
        status: RunStatus = "completed"
        message = ""
        watcher = asyncio.create_task(self._stop_spending_on_cancel())
        # The budget stopped the seed stage: the bulk stage's cheaper calls may still fit what is left.
        seeds_stopped: _Stopped | None = None
        try:
            try:
                seeds = await self._produce(Stage.seed, config.seed_count, self._seed_item, keep=True)
            except _Stopped as stop:
                if stop.status != "budget_exhausted" or not config.bulk_count or not stop.kept:
                    raise
                seeds, seeds_stopped = stop.kept, stop
            if config.bulk_count:
                if not seeds:
                    raise _Stopped(
                        "incomplete", "no seed row was accepted, so the student has nothing to learn"
                    )
                policy = await self._policy(seeds, fallback=seeds_stopped is not None)
                await self._produce(Stage.bulk, config.bulk_count, self._bulk_item(policy, seeds), keep=False)
            if seeds_stopped is not None:
                raise seeds_stopped
        except _Stopped as stop:
            status, message = stop.status, stop.message
        finally:
            watcher.cancel()
            await asyncio.wait([watcher])  # ended before run() returns: no task outlives the run
        if status == "completed" and self.accepted < config.count:
            status = "incomplete"
            message = f"{self.accepted} of {config.count} rows accepted; the rest were rejected"
        return self._report(status, message, time.monotonic() - started)

    async def _stop_spending_on_cancel(self) -> None:
        await self.cancel.wait()
        self.engine.accountant.stop()
        if self.engine.calls.batch is not None:  # a batch may take hours: stop waiting, resume later
            self.engine.calls.batch.stop()

    async def _seed_item(self, index: int, key: str) -> ItemResult:
        answer, provenance = await write_seed(self.engine, index, key)
        return await validate_row(self.engine, key, index, Stage.seed, answer, provenance)

    def _bulk_item(
        self, policy: TaskPolicy, seeds: list[Row]
    ) -> Callable[[int, str], Coroutine[Any, Any, ItemResult]]:
        async def make(index: int, key: str) -> ItemResult:
            answer, provenance = await write_bulk(self.engine, index, key, policy, seeds)
            return await validate_row(self.engine, key, index, Stage.bulk, answer, provenance)

        return make

    async def _policy(self, seeds: list[Row], *, fallback: bool = False) -> TaskPolicy:
        """The teacher's task policy; with ``fallback`` (the budget already stopped the seed stage),
        one derived from the seeds when the policy call does not fit what is left."""
        try:
            policy, call = await extract_policy(self.engine, seeds)
        except SpendingStopped as exc:
            raise _Stopped("cancelled", "cancelled") from exc
        except BudgetExceeded as exc:
            if fallback:
                return default_policy(self.engine, seeds)
            raise _Stopped("budget_exhausted", str(exc)) from exc
        except FATAL as exc:
            raise _Stopped("incomplete", f"{type(exc).__name__}: {exc}") from exc
        except ProviderError as exc:  # retries exhausted: the seeds alone still give a usable policy
            self.stats[Stage.policy].attempted += 1
            self.stats[Stage.policy].rejected += 1
            self.reasons[f"policy: {_reason_kind(type(exc).__name__)}"] += 1
            return default_policy(self.engine, seeds)
        self.stats[Stage.policy].attempted += 1
        self.stats[Stage.policy].cached_calls += int(call.cached)
        return policy

    async def _produce(
        self,
        stage: RowStage,
        target: int,
        make: Callable[[int, str], Coroutine[Any, Any, ItemResult]],
        *,
        keep: bool,
    ) -> list[Row]:
        kept: list[Row] = []
        stats, limit = self.stats[stage], target + self.engine.config.extra_items
        accepted, next_index = 0, 0
        running: set[asyncio.Task[ItemResult]] = set()
        done: set[asyncio.Task[ItemResult]] = set()
        stop: _Stopped | None = None
        try:
            while True:
                while stop is None and next_index < limit and accepted + len(running) < target:
                    if len(running) >= self.engine.config.concurrency:
                        break
                    if self.cancel.is_set():
                        stop = _Stopped("cancelled", "cancelled")
                        break
                    key = item_key(stage, next_index)
                    running.add(asyncio.create_task(make(next_index, key), name=key))
                    next_index += 1
                    stats.attempted += 1
                if not running:
                    break
                done, running = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    outcome = await self._settle(stage, task)
                    if isinstance(outcome, _Stopped):
                        stop = stop or outcome
                    elif outcome is not None and accepted < target:
                        accepted += 1
                        self.accepted += 1
                        if keep:
                            kept.append(outcome)
        except BaseException:
            await _cancel(running | done)  # done but not yet settled ones too: their errors are read
            raise
        if stop is None and accepted < target and self.cancel.is_set():
            stop = _Stopped("cancelled", "cancelled")  # its last items ended at the stop
        if stop is not None:
            stop.kept = sorted(kept, key=lambda row: row.index) if keep else []
            raise stop
        # In item order, not completion order: the policy prompt lists the seeds, and a resumed run
        # (answers from the cache arrive in another order) must send the same prompt to reuse its answer.
        return sorted(kept, key=lambda row: row.index)

    async def _settle(self, stage: str, task: asyncio.Task[ItemResult]) -> Row | _Stopped | None:
        stats = self.stats[stage]
        try:
            result = task.result()
        except (asyncio.CancelledError, SpendingStopped):  # stopped before its next call: not a rejection
            return None
        except BudgetExceeded as exc:
            return _Stopped("budget_exhausted", str(exc))
        except FATAL as exc:
            return _Stopped("incomplete", f"{type(exc).__name__}: {exc}")
        except ProviderError as exc:  # retries exhausted for this item: a rejection, the run goes on
            result = ItemResult(
                rejection=Rejection(key=task.get_name(), stage=stage, reason=f"{type(exc).__name__}: {exc}")
            )
        row = result.row
        if row is not None:
            text = " ".join(m["content"] for m in row.messages)
            duplicate = self.dedup.duplicate_of(text)
            if duplicate is None:
                self.dedup.add(row.key, text)
                self._count_calls(row)
                stats.accepted += 1
                stats.fixed += int(bool(row.provenance.fixes))
                self.scenarios.add(row.provenance.scenario)
                await self.sink.write(row)
                await self._progress(stage)
                return row
            stats.duplicates += 1
            result = ItemResult(
                rejection=Rejection(
                    key=row.key,
                    stage=stage,
                    reason=f"near-duplicate of {duplicate}",
                    raw=text[:2000],
                    model=row.provenance.model,
                    scenario=row.provenance.scenario,
                )
            )
        assert result.rejection is not None
        stats.rejected += 1
        self.reasons[_reason_kind(result.rejection.reason)] += 1
        await self.sink.reject(result.rejection)
        await self._progress(stage)
        return None

    def _count_calls(self, row: Row) -> None:
        for call in row.provenance.calls:
            self.stats[call.stage].cached_calls += int(call.cached)

    async def _progress(self, stage: str) -> None:
        if self.on_progress is None:
            return
        stats = self.stats[stage]
        target = self.engine.config.seed_count if stage == Stage.seed else self.engine.config.bulk_count
        result = self.on_progress(
            Progress(stage, stats.accepted, target, stats.rejected, self.engine.accountant.spent)
        )
        if result is not None:
            await result

    def _report(self, status: RunStatus, message: str, elapsed: float) -> RunReport:
        accountant, config = self.engine.accountant, self.engine.config
        for usage in accountant.stage_usage():
            stats = self.stats[usage.stage]
            stats.input_tokens += usage.usage.input_tokens
            stats.output_tokens += usage.usage.output_tokens
            stats.cost_usd += usage.cost or Decimal(0)
        savings = savings_breakdown(
            accountant.run_usage(),
            accountant.prices,
            teacher_model_id=config.teacher,
            judge_model_id=config.judge_model,
            baseline_judge_calls=self.engine.judging.baseline,
        )
        distribution = self.scenarios.report(self.engine.sampler.target_shares())
        return RunReport(
            status=status,
            requested=config.count,
            accepted=self.accepted,
            stages=self.stats,
            cost_usd=accountant.spent,
            teacher_only_cost_usd=savings.teacher_only,
            savings_usd=savings.savings,
            savings_percent=savings.savings_percent,
            run_cost_usd=savings.actual,
            new_requests=self.engine.calls.requests,
            reused_answers=accountant.reused_answers,
            levers=[LeverSaving(lever=lever.name, saved_usd=lever.saved) for lever in savings.levers],
            judging=self.engine.judging.model_copy(),
            unknown_prices=sorted(accountant.unknown_models | set(savings.unknown_models)),
            distribution=distribution.model_dump(mode="json"),
            rejection_reasons=dict(self.reasons),
            elapsed_s=round(elapsed, 3),
            message=message,
        )


async def _cancel(tasks: set[asyncio.Task[ItemResult]]) -> None:
    """Cancel ``tasks`` and wait until every one has ended (their outcomes, errors included, are dropped)."""
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


def _reason_kind(reason: str) -> str:
    """A short, bounded label for a rejection reason (for counts and metrics)."""
    head = reason.split(":", 1)[0].strip().lower()
    return head[:60] or "unknown"
