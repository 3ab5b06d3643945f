"""``distillery generate``: one resumable run of the pipeline into a file.

Resume design: every answer is appended to ``<stem>.cache.jsonl`` by request fingerprint as it arrives.
Each run, first or resumed, rebuilds the output from scratch: it writes accepted rows to
``<output>.partial`` and replaces the output with it when the runner returns. Answers already in the
cache cost nothing, so a rerun pays only for requests that never got an answer, and a row is never
written twice (the old output is replaced, not appended to). An interrupted run (Ctrl-C, a crash)
leaves the previous output untouched; its answers are in the cache.

With ``--batch`` the requests of the stages that can wait go through the providers' batch APIs
(:mod:`distillation.pipeline.batching`); each batch's id is written to ``<stem>.batches.jsonl`` as
soon as it is submitted, so a rerun after a kill waits for that batch instead of paying for it twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from distillation.commands.delivery import plan_delivery
from distillation.commands.options import (
    Environment,
    OptionsError,
    OutputFormat,
    RunOptions,
    RunPaths,
    rate_limits,
)
from distillation.commands.providers import register_compatible_providers
from distillation.commands.render import bullet_lines, fail, plain, print_run_report
from distillation.datatypes import UnknownDataTypeError
from distillation.export import export
from distillation.formats import read_records
from distillation.pipeline import (
    BatchDelivery,
    BatchProgress,
    FileBatchJournal,
    GenerationConfig,
    JsonlCache,
    JsonlSink,
    Runner,
    RunReport,
    Stage,
    build_engine,
    close_engine,
)
from distillation.pipeline import Progress as RunProgress
from distillation.providers import Attempt, ProviderError, RateLimit
from distillation.scenarios import DomainConfigError

EXIT_INCOMPLETE = 2
EXIT_INTERRUPTED = 130
# Errors that mean the run cannot start (or go on): printed as one line, exit code 1.
FAILURES = (OptionsError, ProviderError, DomainConfigError, UnknownDataTypeError)
# The most items a run keeps in flight (GenerationConfig.concurrency's limit).
MAX_ITEMS_IN_FLIGHT = 1024


def generate_command(
    options: RunOptions,
    env: Environment,
    *,
    batch: bool = False,
    batch_poll: float = 30.0,
    delivery: str = "online",
    deadline: str | None = None,
) -> int:
    """Run ``distillery generate``; prints progress, the report and how to resume. Returns the exit code.

    ``delivery`` (``online``, ``batch``, or ``auto`` with a ``deadline``; ``batch``: ``--batch``, see
    :mod:`distillation.commands.delivery`): whether the requests that can wait go through provider
    batch APIs, a pending batch checked every ``batch_poll`` seconds.
    """
    console, errors = Console(), Console(stderr=True)
    paths = RunPaths.beside(options.output, options.format)
    try:
        plan = plan_delivery(delivery, deadline, batch=batch, now=datetime.now(UTC))
        register_compatible_providers()
        config, notes = options.config()
        for note in [*notes, *filter(None, [plan.note()])]:
            plain(errors, f"note: {note}")
        limits = rate_limits(config, options.rpm, options.tpm)
        poll = batch_poll if plan.batched else None
        if poll is not None:
            config = batched(config)
        outcome = asyncio.run(
            generate_file(
                config, paths, options.format, env, errors, limits, batch_poll=poll, deadline=plan.deadline
            )
        )
    except FAILURES as exc:
        return fail(errors, exc)
    except (KeyboardInterrupt, asyncio.CancelledError):
        plain(errors, f"interrupted; answers so far are in {paths.cache}: rerun the command to resume")
        return EXIT_INTERRUPTED
    except Exception:  # a bug or a failing disk: say where the paid answers are, then the traceback
        plain(errors, f"the run failed; answers so far are in {paths.cache}: rerun the command to resume")
        raise
    report = outcome.report
    print_run_report(
        console,
        report,
        outcome.requests,
        teacher=config.teacher,
        cache_name=paths.cache.name,
    )
    bullet_lines(errors, outcome.export_warnings)
    plain(console, f"wrote {report.accepted} rows to {paths.output}; rejected rows in {paths.rejected}")
    if report.status == "completed":
        return 0
    plain(errors, f"stopped early ({report.status}): {report.message}")
    hint = " with a higher --budget" if report.status == "budget_exhausted" else ""
    plain(
        errors,
        f"to resume, rerun the same command{hint}: answers already paid for are reused from "
        f"{paths.cache} (the budget limits each run's new spending)",
    )
    return EXIT_INCOMPLETE


def batched(config: GenerationConfig) -> GenerationConfig:
    """The config of a batch run: every item of a stage in flight at once, so they share one batch.

    Online requests (the task policy, retries of what a batch failed) keep the ``--concurrency``
    limit of their clients.
    """
    wanted = min(MAX_ITEMS_IN_FLIGHT, config.count + config.extra_items)
    return config.model_copy(update={"concurrency": max(config.concurrency, wanted)})


@dataclass
class BatchLines:
    """Prints a batch's progress: submitted, then ``N of M answered`` whenever it moves."""

    console: Console
    seen: dict[str, tuple[str, int, int]] = field(default_factory=dict)

    def __call__(self, progress: BatchProgress) -> None:
        """Print what changed since the batch's last report."""
        state = (progress.state, progress.answered, progress.failed)
        if self.seen.get(progress.batch_id) == state:
            return
        self.seen[progress.batch_id] = state
        name = f"batch {progress.batch_id} ({progress.model_id})"
        if progress.state == "submitted":
            plain(self.console, f"{name}: submitted, {progress.total} requests")
        elif progress.state == "resumed":
            plain(self.console, f"{name}: resumed, submitted by an earlier run")
        else:
            failed = f", {progress.failed} failed" if progress.failed else ""
            plain(
                self.console,
                f"{name}: {progress.answered} of {progress.total} answered{failed} ({progress.state})",
            )


@dataclass
class AttemptCounter:
    """Requests sent per stage (every attempt, retries included)."""

    counts: Counter[str] = field(default_factory=Counter)

    async def __call__(self, stage: str, key: str, attempt: Attempt, cost: Decimal | None) -> None:
        self.counts[stage] += 1


@dataclass(frozen=True)
class GenerateOutcome:
    """A finished (or stopped) run: the report, the requests it sent and what it reused."""

    report: RunReport
    requests: Counter[str]
    reused_answers: int
    paths: RunPaths
    export_warnings: tuple[str, ...] = ()


class StageBars:
    """Rich progress bars for the seed and bulk stages, fed by the runner's progress reports."""

    def __init__(self, config: GenerationConfig, console: Console) -> None:
        self.progress = Progress(
            TextColumn("{task.description:<14}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("rejected {task.fields[rejected]}  spent ${task.fields[cost]}"),
            TimeElapsedColumn(),
            console=console,
        )
        self.tasks: dict[str, TaskID] = {}
        for stage, label, total in (
            (Stage.seed, "teacher seeds", config.seed_count),
            (Stage.bulk, "student bulk", config.bulk_count),
        ):
            if total:
                self.tasks[stage] = self.progress.add_task(label, total=total, rejected=0, cost="0")

    def update(self, report: RunProgress) -> None:
        """Move the stage's bar."""
        task = self.tasks.get(report.stage)
        if task is not None:
            cost = f"{report.cost_usd:.4f}".rstrip("0").rstrip(".")
            self.progress.update(task, completed=report.accepted, rejected=report.rejected, cost=cost)


async def generate_file(
    config: GenerationConfig,
    paths: RunPaths,
    fmt: OutputFormat,
    env: Environment,
    console: Console,
    limits: Mapping[str, RateLimit] | None = None,
    *,
    batch_poll: float | None = None,
    deadline: datetime | None = None,
) -> GenerateOutcome:
    """Run the pipeline into ``paths`` (see the module docstring for how resuming works).

    ``limits`` are the models' rate limits (``rate_limits(config)`` when not given). ``batch_poll``:
    send the requests that can wait in provider batches, polled this often (None: all online), while
    ``deadline`` (if any) leaves the batch window.

    Raises:
        ProviderError: A client could not be built (missing key, unknown provider, missing SDK).
        asyncio.CancelledError: A second Ctrl-C or SIGTERM; the previous output is left as it was.
    """
    cache = JsonlCache(paths.cache)
    reused = len(cache)
    counter = AttemptCounter()
    batch = None
    if batch_poll is not None:
        journal = FileBatchJournal(paths.batches)
        batch = BatchDelivery(journal, poll_s=batch_poll, on_progress=BatchLines(console), deadline=deadline)
    try:
        engine = build_engine(
            config,
            cache=cache,
            credentials=env.credentials_for(
                config.teacher, config.student, config.judge_model, config.cheap_judge_model
            ),
            prices=env.prices(),
            domains_file=env.config_file("domains.yaml"),
            rate_limits=rate_limits(config) if limits is None else limits,
            on_attempt=counter,
            batch=batch,
        )
    except BaseException:
        cache.close()
        raise
    rows_tmp, rejects_tmp = _partial(paths.rows), _partial(paths.rejected)
    sink = JsonlSink(rows_tmp, rejects_tmp)
    bars = StageBars(config, console)
    runner = Runner(engine, sink, on_progress=bars.update)
    try:
        with bars.progress, _stop_on_signals(runner.cancel, console):
            report = await runner.run()
    finally:
        sink.close()
        cache.close()
        await close_engine(engine)
    os.replace(rows_tmp, paths.rows)
    os.replace(rejects_tmp, paths.rejected)
    warnings = _convert(paths, fmt) if fmt is not OutputFormat.JSONL else ()
    return GenerateOutcome(report, counter.counts, reused, paths, warnings)


def _partial(path: Path) -> Path:
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)  # left by an interrupted run: this run rebuilds it from the cache
    return partial


def _convert(paths: RunPaths, fmt: OutputFormat) -> tuple[str, ...]:
    """Write the output in ``fmt`` from the rows file (which keeps the provenance)."""
    records = (row.record for row in read_records(paths.rows) if row.record is not None)
    return export(records, fmt.value, paths.output).warnings


STOP_SIGNALS = {signal.SIGINT: "Ctrl-C", signal.SIGTERM: "SIGTERM"}


@contextlib.contextmanager
def _stop_on_signals(cancel: asyncio.Event, console: Console) -> Iterator[None]:
    """First Ctrl-C or SIGTERM: stop cleanly (rows so far are kept, the summary is printed); second: at once.

    A process manager's SIGTERM (``kill``, ``docker stop``, systemd) gets the same clean stop as Ctrl-C.
    """
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()

    def on_signal(name: str) -> None:
        if cancel.is_set():
            if task is not None:
                task.cancel()
            return
        cancel.set()
        console.print(
            f"stopping ({name}): rows accepted so far are kept; calls in flight finish so their answers "
            f"are kept ({name} again to stop at once)"
        )

    installed = []
    try:
        for number, name in STOP_SIGNALS.items():
            loop.add_signal_handler(number, on_signal, name)
            installed.append(number)
    except (NotImplementedError, RuntimeError, ValueError):  # not the main thread, or no signals here
        pass
    try:
        yield
    finally:
        for number in installed:
            loop.remove_signal_handler(number)
