"""``distillery prefer``: preference pairs from a prompt set, resumably, into a TRL or OpenAI file.

The teacher and the student answer every prompt, the judge compares the answers in both orders
(see :mod:`distillation.preference`), and the pairs with a clear margin are written as prompt /
chosen / rejected rows. It resumes like ``relabel``: every answer and verdict is appended to
``<stem>.cache.jsonl`` as it arrives, so a rerun pays only for the calls never made. Beside the
output: ``<stem>.provenance.jsonl`` (kept pairs with both verdicts, models and cost; the output
itself with ``--format jsonl``) and ``<stem>.rejected.jsonl`` (the other pairs and why).
"""

from __future__ import annotations

import asyncio
import json
import os
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from rich.console import Console

from distillation.commands.generate import EXIT_INCOMPLETE, EXIT_INTERRUPTED, FAILURES, _partial
from distillation.commands.options import Environment, OptionsError
from distillation.commands.providers import register_compatible_providers
from distillation.commands.relabel import read_prompts
from distillation.commands.render import bullet_lines, fail, money, plain, print_reasons
from distillation.export.preference import export_preferences, get_preference_format
from distillation.pipeline import JsonlCache, build_engine, close_engine
from distillation.preference import DEFAULT_MIN_MARGIN, JsonlPreferenceSink, PreferenceReport, PreferenceRun
from distillation.promptsets import PromptFormat, PromptMapping, PromptSet
from distillation.providers import RateLimit
from distillation.relabel import relabel_config

# ``--format jsonl`` writes the pairs with their provenance; the others export them.
ROWS_FORMAT = "jsonl"


@dataclass(frozen=True)
class PreferOptions:
    """What the user asked for on the command line (see ``distillery prefer --help``)."""

    prompts: Path
    output: Path
    teacher: str
    student: str
    judge: str | None = None
    min_margin: float = DEFAULT_MIN_MARGIN
    format: str = "trl-dpo"
    input_format: PromptFormat | None = None
    mapping: PromptMapping = field(default_factory=PromptMapping)
    keep_duplicates: bool = False
    max_errors: int | None = None
    budget: Decimal | None = None
    concurrency: int = 8
    max_tokens: int = 512
    temperature: float = 0.8
    seed: int = 0

    def check(self) -> None:
        """Raises ``OptionsError`` for options that cannot work together."""
        if self.student == self.teacher:
            raise OptionsError("--student must differ from --teacher: the pairs compare their answers")
        if not 0 <= self.min_margin <= 10:
            raise OptionsError("--min-margin must be between 0 and 10")
        if self.format != ROWS_FORMAT:
            try:
                get_preference_format(self.format)
            except ValueError as exc:
                raise OptionsError(f"--format: {exc} or {ROWS_FORMAT}") from None


@dataclass(frozen=True)
class PreferPaths:
    """The files of one run, all beside the output."""

    output: Path
    rows: Path
    rejected: Path
    cache: Path

    @classmethod
    def beside(cls, output: Path, fmt: str) -> PreferPaths:
        """The paths for ``output`` (``dpo.jsonl`` → ``dpo.provenance.jsonl``, ``dpo.cache.jsonl``)."""
        stem = output.with_suffix("")
        rows = output if fmt == ROWS_FORMAT else Path(f"{stem}.provenance.jsonl")
        return cls(output, rows, Path(f"{stem}.rejected.jsonl"), Path(f"{stem}.cache.jsonl"))


def prefer_command(options: PreferOptions, env: Environment) -> int:
    """Run ``distillery prefer``; prints the import summary and the report. Returns the exit code."""
    console, errors = Console(), Console(stderr=True)
    try:
        options.check()
    except OptionsError as exc:
        return fail(errors, exc)
    paths = PreferPaths.beside(options.output, options.format)
    prompts = read_prompts(options, console, errors)
    if isinstance(prompts, int):
        return prompts
    if not prompts.prompts:
        return fail(errors, OptionsError(f"{options.prompts} holds no usable prompt"))
    try:
        register_compatible_providers()
        report = asyncio.run(_prefer_file(options, prompts, paths, env))
    except FAILURES as exc:
        return fail(errors, exc)
    except (KeyboardInterrupt, asyncio.CancelledError):
        plain(errors, f"interrupted; answers so far are in {paths.cache}: rerun the command to resume")
        return EXIT_INTERRUPTED
    if options.format != ROWS_FORMAT:
        result = export_preferences(_kept_rows(paths.rows), options.format, paths.output)
        bullet_lines(errors, result.warnings)
    return _print_report(console, errors, report, options, paths)


def _print_report(
    console: Console, errors: Console, report: PreferenceReport, options: PreferOptions, paths: PreferPaths
) -> int:
    plain(
        console,
        f"kept {report.kept} of {report.prompts} pairs; rejected {report.rejected}; "
        f"position-inconsistent {report.position_inconsistent}",
    )
    if report.preferred:
        shares = ", ".join(f"{side} {count}" for side, count in sorted(report.preferred.items()))
        plain(console, f"preferred: {shares}")
    print_reasons(console, report.rejection_reasons)
    plain(
        console,
        f"cost: {money(report.cost_usd)} for new requests ({report.requests} requests sent, "
        f"{report.cached_answers} answers reused from {paths.cache.name})",
    )
    if report.unknown_prices:
        plain(errors, f"note: no price for {', '.join(report.unknown_prices)}; their cost is not counted")
    where = "" if paths.rows == paths.output else f"; provenance in {paths.rows}"
    plain(
        console,
        f"wrote {report.kept} pairs to {paths.output} ({options.format}){where}; "
        f"rejected pairs in {paths.rejected}",
    )
    if report.status == "completed":
        return 0
    plain(errors, f"stopped early ({report.status}): {report.message}")
    hint = " with a higher --budget" if report.status == "budget_exhausted" else ""
    plain(errors, f"to resume, rerun the same command{hint}: answers already paid for are reused")
    return EXIT_INCOMPLETE


async def _prefer_file(
    options: PreferOptions, prompts: PromptSet, paths: PreferPaths, env: Environment
) -> PreferenceReport:
    try:
        config = relabel_config(
            options.teacher,
            count=len(prompts.prompts),
            judge=options.judge,
            max_tokens=options.max_tokens,
            temperature=options.temperature,
            seed=options.seed,
            concurrency=options.concurrency,
            budget_usd=options.budget,
            student=options.student,
        )
    except ValueError as exc:
        raise OptionsError(str(exc)) from None
    cache = JsonlCache(paths.cache)
    try:
        engine = build_engine(
            config,
            cache=cache,
            credentials=env.credentials_for(config.teacher, config.student, config.judge_model),
            prices=env.prices(),
            rate_limits={
                m: RateLimit(max_concurrency=options.concurrency)
                for m in (config.teacher, config.student, config.judge_model)
            },
        )
    except BaseException:
        cache.close()
        raise
    rows_tmp, rejects_tmp = _partial(paths.rows), _partial(paths.rejected)
    sink = JsonlPreferenceSink(rows_tmp, rejects_tmp)
    try:
        report = await PreferenceRun(engine, sink, min_margin=options.min_margin).run(prompts.prompts)
    finally:
        sink.close()
        cache.close()
        await close_engine(engine)
    os.replace(rows_tmp, paths.rows)
    os.replace(rejects_tmp, paths.rejected)
    return report


def _kept_rows(path: Path) -> list[dict[str, Any]]:
    """The kept pairs in prompt order, so that the same run exports the same bytes."""
    with path.open(encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle if line.strip()]
    return sorted(rows, key=lambda row: row["metadata"]["index"])
