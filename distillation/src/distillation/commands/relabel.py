"""``distillery relabel``: the teacher answers the user's prompts, resumably, into a file.

It resumes like ``generate`` (see :mod:`distillation.commands.generate`): every answer is appended to
``<stem>.cache.jsonl`` by request fingerprint as it arrives, and each run rebuilds the output from
``<output>.partial``; a rerun pays only for prompts that never got an answer. With ``--cascade`` the
student answers first and the teacher only what the student's answers fail (see
:mod:`distillation.relabel.cascade`); ``--pilot N`` tunes the threshold on the first N prompts first.
"""

from __future__ import annotations

import asyncio
import json
import os
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Protocol

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from distillation.commands.generate import (
    EXIT_INCOMPLETE,
    EXIT_INTERRUPTED,
    FAILURES,
    MAX_ITEMS_IN_FLIGHT,
    BatchLines,
    _convert,
    _partial,
    _stop_on_signals,
)
from distillation.commands.options import (
    Environment,
    OptionsError,
    OutputFormat,
    RunPaths,
    quality_thresholds,
    read_task_spec,
)
from distillation.commands.providers import register_compatible_providers
from distillation.commands.render import bullet_lines, fail, money, plain, print_reasons
from distillation.formats import FileFormatError, InputLimitError
from distillation.pipeline import (
    BatchDelivery,
    Engine,
    FileBatchJournal,
    JsonlCache,
    Stage,
    build_engine,
    close_engine,
)
from distillation.promptsets import PromptFormat, PromptMapping, PromptSet, TooManyErrors, read_prompt_set
from distillation.providers import RateLimit
from distillation.relabel import (
    Cascade,
    CascadeReport,
    JsonlRelabelSink,
    PilotReport,
    Relabeler,
    RelabelProgress,
    RelabelReport,
    pilot_cascade,
    relabel_config,
)
from distillation.relabel.cascade import STUDENT_STAGE
from distillation.relabel.types import RELABEL_STAGE


@dataclass(frozen=True)
class RelabelOptions:
    """What the user asked for on the command line (see ``distillery relabel --help``)."""

    prompts: Path
    output: Path
    teacher: str
    judge: str | None = None
    input_format: PromptFormat | None = None
    mapping: PromptMapping = field(default_factory=PromptMapping)
    keep_duplicates: bool = False
    preview: int | None = None
    max_errors: int | None = None
    format: OutputFormat = OutputFormat.JSONL
    budget: Decimal | None = None
    concurrency: int = 8
    max_tokens: int = 512
    temperature: float = 0.8
    seed: int = 0
    judge_sample_rate: float = 1.0
    min_score: float | None = None
    student: str | None = None
    cascade: bool = False
    escalate_below: float = 7.0
    pilot: int | None = None
    pilot_then_run: bool = False
    pilot_margin: float = 0.5
    batch_poll: float | None = None
    task: Path | None = None

    def cascade_settings(self) -> Cascade | None:
        """The cascade asked for (``--cascade`` or ``--pilot``), or None for the teacher alone.

        Raises:
            OptionsError: No student, or the student is the teacher.
        """
        if not (self.cascade or self.pilot):
            return None
        if self.student is None:
            raise OptionsError("--cascade and --pilot need --student provider:model")
        if self.student == self.teacher:
            raise OptionsError("--student must differ from --teacher for a cascade")
        if not 0 <= self.escalate_below <= 10:
            raise OptionsError("--escalate-below must be between 0 and 10")
        return Cascade(escalate_below=self.escalate_below)


def relabel_command(options: RelabelOptions, env: Environment) -> int:
    """Run ``distillery relabel``; prints the import summary, progress and report. Returns the exit code."""
    console, errors = Console(), Console(stderr=True)
    paths = RunPaths.beside(options.output, options.format)
    prompts = read_prompts(options, console, errors)
    if isinstance(prompts, int):
        return prompts
    if options.preview is not None:
        _print_preview(console, prompts, options.preview)
        return 0
    if not prompts.prompts:
        return fail(errors, OptionsError(f"{options.prompts} holds no usable prompt"))
    try:
        register_compatible_providers()
        report, wrote = asyncio.run(_relabel_file(options, prompts, paths, env, console))
    except FAILURES as exc:
        return fail(errors, exc)
    except (KeyboardInterrupt, asyncio.CancelledError):
        plain(errors, f"interrupted; answers so far are in {paths.cache}: rerun the command to resume")
        return EXIT_INTERRUPTED
    except Exception:
        plain(errors, f"the run failed; answers so far are in {paths.cache}: rerun the command to resume")
        raise
    if not wrote:
        return _print_pilot_only(console, errors, report)
    return _print_report(console, errors, report, paths)


class PromptInput(Protocol):
    """The options that say which prompt file to read and how (``relabel``'s and ``prefer``'s)."""

    @property
    def prompts(self) -> Path: ...
    @property
    def input_format(self) -> PromptFormat | None: ...
    @property
    def mapping(self) -> PromptMapping: ...
    @property
    def max_errors(self) -> int | None: ...
    @property
    def keep_duplicates(self) -> bool: ...


def read_prompts(options: PromptInput, console: Console, errors: Console) -> PromptSet | int:
    """Read the prompt file and print what was imported; the exit code instead when it cannot be read."""
    try:
        prompts = read_prompt_set(
            options.prompts,
            file_format=options.input_format,
            mapping=options.mapping,
            max_errors=options.max_errors,
            dedup=not options.keep_duplicates,
        )
    except (TooManyErrors, FileFormatError, InputLimitError, OSError) as exc:
        return fail(errors, exc)
    plain(console, f"prompts: {prompts.summary()}")
    bullet_lines(errors, (f"line {bad.line}: {bad.reason}" for bad in prompts.errors))
    if prompts.duplicates and not options.keep_duplicates:
        repeats = (f"line {d.line} repeats line {d.first_line}" for d in prompts.duplicates)
        bullet_lines(console, repeats, limit=5)
    return prompts


def _print_preview(console: Console, prompts: PromptSet, count: int) -> None:
    """The first ``count`` prompts as they would be sent, with their reference and variables."""
    for prompt in prompts.prompts[:count]:
        shown = prompt.model_dump(include={"messages", "tools", "reference", "variables"})
        plain(console, f"line {prompt.line}: {json.dumps(shown, ensure_ascii=False)}")


def _print_report(console: Console, errors: Console, report: RelabelReport, paths: RunPaths) -> int:
    plain(
        console,
        f"answered {report.answered} of {report.prompts} prompts; rejected {report.rejected}; "
        f"judged {report.judged}",
    )
    print_reasons(console, report.rejection_reasons)
    plain(
        console,
        f"cost: {money(report.cost_usd)} for new requests ({report.requests} requests sent, "
        f"{report.cached_answers} answers reused from {paths.cache.name})",
    )
    if report.unknown_prices:
        plain(errors, f"note: no price for {', '.join(report.unknown_prices)}; their cost is not counted")
    if report.cascade is not None:
        _print_cascade(console, report.cascade)
    plain(console, f"wrote {report.answered} rows to {paths.output}; rejected prompts in {paths.rejected}")
    if report.status == "completed":
        return 0
    plain(errors, f"stopped early ({report.status}): {report.message}")
    hint = " with a higher --budget" if report.status == "budget_exhausted" else ""
    plain(errors, f"to resume, rerun the same command{hint}: answers already paid for are reused")
    return EXIT_INCOMPLETE


def _print_cascade(console: Console, cascade: CascadeReport) -> None:
    """Share escalated and why, cost against teacher-only, and each path's quality."""
    student, teacher = cascade.student_path, cascade.teacher_path
    reasons = ", ".join(f"{kind} ×{n}" for kind, n in sorted(cascade.escalation_reasons.items()))
    plain(
        console,
        f"cascade: student {cascade.student} answered {student.answered}, kept {student.accepted} "
        f"(mean score {_score(student.mean_score)}); escalated {cascade.escalated} "
        f"({cascade.escalated_share:.1%}) to the teacher (escalate below {cascade.escalate_below:g})"
        + (f": {reasons}" if reasons else ""),
    )
    acceptance = "n/a" if teacher.acceptance is None else f"{teacher.acceptance:.1%}"
    plain(
        console,
        f"teacher rows: {teacher.accepted} of {teacher.answered} escalated prompts accepted ({acceptance}; "
        f"mean score {_score(teacher.mean_score)})",
    )
    share = "" if cascade.saved_share is None else f" ({cascade.saved_share:.1%})"
    plain(
        console,
        f"cascade cost: {money(cascade.cost_usd)} vs teacher-only {money(cascade.teacher_only_usd)}: "
        f"saved {money(cascade.saved_usd)}{share}",
    )


def _score(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def _print_pilot(console: Console, pilot: PilotReport) -> None:
    """The threshold table (the lowest threshold of each distinct escalated share) and the advice."""
    plain(
        console,
        f"pilot: {pilot.prompts} prompts answered by the student and the teacher; teacher mean score "
        f"{_score(pilot.teacher_mean)}; teacher-only estimate {money(pilot.teacher_only_usd)} for "
        f"{pilot.total_prompts} prompts",
    )
    plain(console, "escalate below | escalated | est. cost | kept student mean | rows mean")
    shown: set[float] = set()
    for option in pilot.options:
        if option.escalated_share in shown:
            continue
        shown.add(option.escalated_share)
        plain(
            console,
            f"{option.threshold:>14g} | {option.escalated_share:>9.1%} | {money(option.cost_usd):>9} | "
            f"{_score(option.kept_mean):>17} | {_score(option.mixed_mean)}",
        )
    if pilot.recommended is None:
        plain(
            console,
            f"recommended: no threshold keeps student answers within {pilot.margin:g} of the teacher's "
            "mean score; use the teacher alone",
        )
    else:
        option = pilot.option(pilot.recommended)
        plain(
            console,
            f"recommended: --escalate-below {pilot.recommended:g} ({option.escalated_share:.1%} escalated, "
            f"est. {money(option.cost_usd)}; kept student answers within {pilot.margin:g} of the teacher)",
        )


def _print_pilot_only(console: Console, errors: Console, report: RelabelReport) -> int:
    plain(
        console,
        f"pilot cost: {money(report.cost_usd)} for new requests ({report.requests} requests sent, "
        f"{report.cached_answers} answers reused); no rows written",
    )
    if report.status in ("completed", "incomplete"):
        plain(console, "rerun with --cascade --escalate-below THRESHOLD (the pilot's answers are reused)")
        return 0
    plain(errors, f"the pilot stopped early ({report.status}): {report.message}")
    return EXIT_INCOMPLETE


async def _relabel_file(
    options: RelabelOptions, prompts: PromptSet, paths: RunPaths, env: Environment, console: Console
) -> tuple[RelabelReport, bool]:
    """Run the pilot and/or the relabel run; returns the last report and whether rows were written."""
    cascade = options.cascade_settings()
    student = options.student if cascade is not None else None
    judge = options.judge or options.teacher
    thresholds, notes = quality_thresholds(options.min_score, None, judge)
    for note in notes:
        plain(console, f"note: {note}")
    spec = read_task_spec(options.task)
    try:
        config = relabel_config(
            options.teacher,
            count=len(prompts.prompts),
            judge=options.judge,
            judge_sample_rate=options.judge_sample_rate,
            thresholds=thresholds,
            max_tokens=options.max_tokens,
            temperature=options.temperature,
            seed=options.seed,
            # A batch run keeps every prompt in flight, so that their requests share one batch.
            concurrency=options.concurrency
            if options.batch_poll is None
            else max(options.concurrency, min(MAX_ITEMS_IN_FLIGHT, len(prompts.prompts))),
            budget_usd=options.budget,
            student=student,
            task=spec,
        )
    except ValueError as exc:
        raise OptionsError(str(exc)) from None
    cache = JsonlCache(paths.cache)
    batch = None
    if options.batch_poll is not None:
        batch = BatchDelivery(
            FileBatchJournal(paths.batches),
            poll_s=options.batch_poll,
            stages=(RELABEL_STAGE, STUDENT_STAGE, Stage.judge),
            on_progress=BatchLines(console),
        )
    try:
        engine = build_engine(
            config,
            cache=cache,
            credentials=env.credentials_for(config.teacher, config.student, config.judge_model),
            prices=env.prices(),
            rate_limits={
                m: RateLimit(max_concurrency=options.concurrency)
                for m in (config.teacher, config.student, judge)
            },
            batch=batch,
        )
    except BaseException:
        cache.close()
        raise
    cancel = asyncio.Event()
    try:
        if cascade is not None and options.pilot:
            with _stop_on_signals(cancel, console):
                pilot, pilot_run = await pilot_cascade(
                    engine,
                    prompts.prompts,
                    options.pilot,
                    cascade=cascade,
                    margin=options.pilot_margin,
                    cancel=cancel,
                )
            _print_pilot(console, pilot)
            if not options.pilot_then_run or pilot_run.status not in ("completed", "incomplete"):
                return pilot_run, False
            if pilot.recommended is None:
                plain(console, "running with the teacher alone")
                cascade = None
            else:
                plain(console, f"running the cascade with --escalate-below {pilot.recommended:g}")
                cascade = cascade.model_copy(update={"escalate_below": pilot.recommended})
        report = await _answer_all(engine, prompts, paths, console, cascade, cancel)
    finally:
        cache.close()
        await close_engine(engine)
    if options.format is not OutputFormat.JSONL:
        bullet_lines(console, _convert(paths, options.format))
    return report, True


async def _answer_all(
    engine: Engine,
    prompts: PromptSet,
    paths: RunPaths,
    console: Console,
    cascade: Cascade | None,
    cancel: asyncio.Event,
) -> RelabelReport:
    rows_tmp, rejects_tmp = _partial(paths.rows), _partial(paths.rejected)
    sink = JsonlRelabelSink(rows_tmp, rejects_tmp)
    bar = _Bar(console, len(prompts.prompts), "cascade answers" if cascade else "teacher answers")
    relabeler = Relabeler(engine, sink, on_progress=bar.update, cancel=cancel, cascade=cascade)
    try:
        with bar.progress, _stop_on_signals(cancel, console):
            report = await relabeler.run(prompts.prompts)
    finally:
        sink.close()
    os.replace(rows_tmp, paths.rows)
    os.replace(rejects_tmp, paths.rejected)
    return report


class _Bar:
    def __init__(self, console: Console, total: int, label: str = "teacher answers") -> None:
        self.progress = Progress(
            TextColumn(label),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("rejected {task.fields[rejected]}  spent {task.fields[cost]}"),
            TimeElapsedColumn(),
            console=console,
        )
        self.task = self.progress.add_task("relabel", total=total, rejected=0, cost="$0.00")

    def update(self, report: RelabelProgress) -> None:
        done = report.answered + report.rejected
        self.progress.update(self.task, completed=done, rejected=report.rejected, cost=money(report.cost_usd))
