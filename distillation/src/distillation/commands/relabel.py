"""``distillery relabel``: the teacher answers the user's prompts, resumably, into a file.

It resumes like ``generate`` (see :mod:`distillation.commands.generate`): every answer is appended to
``<stem>.cache.jsonl`` by request fingerprint as it arrives, and each run rebuilds the output from
``<output>.partial``; a rerun pays only for prompts that never got an answer.
"""

from __future__ import annotations

import asyncio
import json
import os
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from distillation.commands.generate import (
    EXIT_INCOMPLETE,
    EXIT_INTERRUPTED,
    FAILURES,
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
)
from distillation.commands.providers import register_compatible_providers
from distillation.commands.render import bullet_lines, fail, money, plain, print_reasons
from distillation.formats import FileFormatError, InputLimitError
from distillation.pipeline import JsonlCache, build_engine, close_engine
from distillation.promptsets import PromptFormat, PromptMapping, PromptSet, TooManyErrors, read_prompt_set
from distillation.providers import RateLimit
from distillation.relabel import JsonlRelabelSink, Relabeler, RelabelProgress, RelabelReport, relabel_config


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


def relabel_command(options: RelabelOptions, env: Environment) -> int:
    """Run ``distillery relabel``; prints the import summary, progress and report. Returns the exit code."""
    console, errors = Console(), Console(stderr=True)
    paths = RunPaths.beside(options.output, options.format)
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
    _print_import(console, errors, prompts, options.keep_duplicates)
    if options.preview is not None:
        _print_preview(console, prompts, options.preview)
        return 0
    if not prompts.prompts:
        return fail(errors, OptionsError(f"{options.prompts} holds no usable prompt"))
    try:
        register_compatible_providers()
        report = asyncio.run(_relabel_file(options, prompts, paths, env, console))
    except FAILURES as exc:
        return fail(errors, exc)
    except (KeyboardInterrupt, asyncio.CancelledError):
        plain(errors, f"interrupted; answers so far are in {paths.cache}: rerun the command to resume")
        return EXIT_INTERRUPTED
    except Exception:
        plain(errors, f"the run failed; answers so far are in {paths.cache}: rerun the command to resume")
        raise
    return _print_report(console, errors, report, paths)


def _print_import(console: Console, errors: Console, prompts: PromptSet, kept_duplicates: bool) -> None:
    plain(console, f"prompts: {prompts.summary()}")
    bullet_lines(errors, (f"line {bad.line}: {bad.reason}" for bad in prompts.errors))
    if prompts.duplicates and not kept_duplicates:
        repeats = (f"line {d.line} repeats line {d.first_line}" for d in prompts.duplicates)
        bullet_lines(console, repeats, limit=5)


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
    plain(console, f"wrote {report.answered} rows to {paths.output}; rejected prompts in {paths.rejected}")
    if report.status == "completed":
        return 0
    plain(errors, f"stopped early ({report.status}): {report.message}")
    hint = " with a higher --budget" if report.status == "budget_exhausted" else ""
    plain(errors, f"to resume, rerun the same command{hint}: answers already paid for are reused")
    return EXIT_INCOMPLETE


async def _relabel_file(
    options: RelabelOptions, prompts: PromptSet, paths: RunPaths, env: Environment, console: Console
) -> RelabelReport:
    judge = options.judge or options.teacher
    thresholds, notes = quality_thresholds(options.min_score, None, judge)
    for note in notes:
        plain(console, f"note: {note}")
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
            concurrency=options.concurrency,
            budget_usd=options.budget,
        )
    except ValueError as exc:
        raise OptionsError(str(exc)) from None
    cache = JsonlCache(paths.cache)
    try:
        engine = build_engine(
            config,
            cache=cache,
            credentials=env.credentials_for(config.teacher, config.judge_model),
            prices=env.prices(),
            rate_limits={m: RateLimit(max_concurrency=config.concurrency) for m in (config.teacher, judge)},
        )
    except BaseException:
        cache.close()
        raise
    rows_tmp, rejects_tmp = _partial(paths.rows), _partial(paths.rejected)
    sink = JsonlRelabelSink(rows_tmp, rejects_tmp)
    bar = _Bar(console, len(prompts.prompts))
    relabeler = Relabeler(engine, sink, on_progress=bar.update)
    try:
        with bar.progress, _stop_on_signals(relabeler.cancel, console):
            report = await relabeler.run(prompts.prompts)
    finally:
        sink.close()
        cache.close()
        await close_engine(engine)
    os.replace(rows_tmp, paths.rows)
    os.replace(rejects_tmp, paths.rejected)
    if options.format is not OutputFormat.JSONL:
        bullet_lines(console, _convert(paths, options.format))
    return report


class _Bar:
    def __init__(self, console: Console, total: int) -> None:
        self.progress = Progress(
            TextColumn("teacher answers"),
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
