"""What the commands print: per-stage tables, cost, the savings line and rejection reasons."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal

from rich import box
from rich.console import Console
from rich.table import Table

from distillation.cost import RunEstimate, SavingsBreakdown
from distillation.pipeline import RunReport, Stage

STAGES = (Stage.seed, Stage.policy, Stage.bulk, Stage.judge, Stage.fix)
# Levers that may save nothing, and why the summary says they did not.
# An estimate does not predict prompt-cache hits: they depend on the provider's cache at the time.
UNUSED_LEVERS = {"batch": "not used yet", "prompt caching": "not estimated"}
# A run's requests all went online: its batch lever saved nothing (``--batch`` would); a run whose
# prompts' prefixes were too short (or new) to be cached read nothing from the prompt cache.
ONLINE_RUN = {
    "batch": "not used: every request went online",
    "prompt caching": "no input tokens were read from the prompt cache",
}


def money(value: Decimal | None) -> str:
    """Dollars with cents, or more places for amounts below a cent."""
    if value is None:
        return "unknown"
    if value == 0:
        return "$0.00"
    places = 2 if abs(value) >= 1 else 6
    text = f"{abs(value):,.{places}f}"
    if places > 2:
        text = text.rstrip("0")
    return f"{'-' if value < 0 else ''}${text}"


def savings_line(
    savings: Decimal | None,
    percent: Decimal | None,
    teacher_only: Decimal | None,
    unknown: Sequence[str],
    teacher: str,
) -> str:
    """``saved $X (Y%) vs teacher-only $Z``, or why there is no saving to tell."""
    if savings is None or teacher_only is None:
        return f"savings unknown: no price for {', '.join(unknown or [teacher])}"
    if percent is None:
        return "nothing to save: the teacher alone would cost nothing either (its model is free)"
    return f"saved {money(savings)} ({percent}%) vs teacher-only {money(teacher_only)}"


def print_run_report(
    console: Console,
    report: RunReport,
    requests: Mapping[str, int],
    *,
    teacher: str,
    cache_name: str,
) -> None:
    """The per-stage table, cost, savings and their levers, judging and rejection reasons of a run."""
    title = f"{report.accepted} of {report.requested} rows ({report.status})"
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD)
    for name in ("stage", "rows", "rejected", "requests", "cached", "tokens in/out", "cost"):
        table.add_column(name, justify="left" if name == "stage" else "right", no_wrap=True)
    for stage in STAGES:
        stats = report.stages.get(stage)
        if stats is None:
            continue
        rows = stage in (Stage.seed, Stage.bulk)
        table.add_row(
            stage,
            str(stats.accepted) if rows else "",
            str(stats.rejected) if rows else "",
            str(requests.get(stage, 0)),
            str(stats.cached_calls),
            f"{stats.input_tokens:,}/{stats.output_tokens:,}",
            money(stats.cost_usd),
        )
    console.print(table)
    plain(console, cost_line(report, cache_name))
    unknown = report.unknown_prices
    if unknown:
        plain(console, f"cost excludes calls to models without a price: {', '.join(unknown)}")
    plain(
        console,
        savings_line(
            report.savings_usd, report.savings_percent, report.teacher_only_cost_usd, unknown, teacher
        ),
    )
    for line in lever_lines(report):
        plain(console, f"  {line}")
    plain(console, judging_line(report))
    fixed = sum(stats.fixed for stats in report.stages.values())
    duplicates = sum(stats.duplicates for stats in report.stages.values())
    if fixed or duplicates:
        plain(console, f"rewritten after a low score: {fixed}; near-duplicates removed: {duplicates}")
    print_reasons(console, report.rejection_reasons)


def cost_line(report: RunReport, cache_name: str) -> str:
    """What this run spent, and what its answers reused from the cache had cost."""
    reused, new = report.reused_answers, report.new_requests
    if reused and not new:
        teacher = report.teacher_only_cost_usd
        would = f"; teacher-only would have cost {money(teacher)}" if teacher else ""
        return f"all {reused} answers came from the cache ({cache_name}): $0.00 spent{would}"
    cost = f"cost: {money(report.cost_usd)} for {new} new requests"
    if reused:
        cost += (
            f"; {reused} answers already in {cache_name} were reused free "
            f"(all the run's answers cost {money(report.run_cost_usd)})"
        )
    return cost


def lever_lines(report: RunReport) -> list[str]:
    """The part of the saving each lever contributed, as a share of the teacher-only cost."""
    if report.savings_usd is None:
        return []
    levers = [(lever.lever, lever.saved_usd) for lever in report.levers]
    return _levers(levers, report.teacher_only_cost_usd, ONLINE_RUN)


def estimate_lines(
    breakdown: SavingsBreakdown, rows: int, human_rate: Decimal, budget: Decimal | None
) -> list[str]:
    """An estimate's saving by lever, the human-annotation comparison and the budget warning."""
    lines = _levers([(lever.name, lever.saved) for lever in breakdown.levers], breakdown.teacher_only)
    total = breakdown.actual
    human = human_rate * rows
    line = f"human annotation at {_amount(human_rate)}/row: {money(human)} for {rows} rows"
    if total is not None and human > 0:
        line += f"; the estimate is {((human - total) / human * 100).quantize(Decimal('0.1'))}% less"
    lines.append(line)
    if budget is not None and total is not None and total > budget:
        lines.append(f"warning: the estimate {money(total)} exceeds the budget {_amount(budget)}")
    return lines


def _amount(value: Decimal) -> str:
    """An amount the user gave: with cents when it has no finer part ($0.50, not $0.5)."""
    return f"${value:,.2f}" if value == value.quantize(Decimal("0.01")) else money(value)


def _levers(
    levers: list[tuple[str, Decimal | None]],
    teacher: Decimal | None,
    unused: Mapping[str, str] = UNUSED_LEVERS,
) -> list[str]:
    if not teacher:
        return []
    lines = []
    width = max(len(name) for name, _ in levers) if levers else 0
    for lever, value in levers:
        name = f"{lever + ':':<{width + 1}}"
        saved = value or Decimal(0)
        if lever in unused and not saved:
            lines.append(f"{name} {money(saved)} ({unused[lever]})")
            continue
        share = (saved / teacher * 100).quantize(Decimal("0.01"))
        lines.append(f"{name} {money(saved)} ({share}%)")
    return lines


def judging_line(report: RunReport) -> str:
    """How the judge policy routed the rows."""
    judged = report.judging
    return (
        f"judging: strong judge on {judged.strong} rows, cheap judge on {judged.cheap + judged.escalated} "
        f"({judged.escalated} escalated to the strong judge), {judged.sampled_out} not judged"
    )


def print_reasons(console: Console, reasons: Mapping[str, int]) -> None:
    """Rejection reasons, most frequent first."""
    if not reasons:
        return
    parts = [f"{reason} ×{count}" for reason, count in sorted(reasons.items(), key=lambda kv: -kv[1])]
    plain(console, "rejections: " + ", ".join(parts))


def print_estimate(console: Console, estimate: RunEstimate) -> None:
    """Per-stage projected rows, tokens and cost; total, teacher-only and savings."""
    table = Table(title="estimate", title_justify="left", box=box.SIMPLE_HEAD)
    for name in ("stage", "model", "rows", "requests", "tokens in/out", "cost"):
        table.add_column(name, justify="left" if name in ("stage", "model") else "right", no_wrap=True)
    for stage in estimate.stages:
        table.add_row(
            stage.stage,
            stage.model_id,
            str(stage.rows),
            str(stage.attempts),
            f"{stage.usage.input_tokens:,}/{stage.usage.output_tokens:,}",
            money(stage.cost),
        )
    console.print(table)
    known = f"{money(estimate.known_total)} + unknown"
    total = money(estimate.total) if estimate.total is not None else known
    plain(console, f"estimated total: {total}")
    plain(console, f"teacher-only: {money(estimate.teacher_only)}")
    plain(
        console,
        savings_line(
            estimate.savings,
            estimate.savings_percent,
            estimate.teacher_only,
            estimate.unknown_models,
            estimate.teacher_model_id,
        ),
    )


def plain(console: Console, text: str) -> None:
    """One line, never wrapped or reinterpreted as markup."""
    console.print(text, markup=False, highlight=False, soft_wrap=True)


def bullet_lines(console: Console, lines: Iterable[str], *, limit: int = 20) -> None:
    """Up to ``limit`` lines, then how many were left out."""
    items = list(lines)
    for line in items[:limit]:
        plain(console, f"  {line}")
    if len(items) > limit:
        plain(console, f"  ... and {len(items) - limit} more")


def fail(console: Console, exc: BaseException) -> int:
    """Print ``error: ...`` and return exit code 1."""
    plain(console, f"error: {exc}")
    return 1
