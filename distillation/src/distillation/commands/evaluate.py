"""``distillery evaluate``: progress per model, then one table of base vs tuned (vs teacher)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from rich import box
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from distillation.commands.options import Environment
from distillation.commands.render import fail, money, plain

if TYPE_CHECKING:
    from distillation.evaluate import EvaluationConfig, EvaluationReport, ModelEvaluation, SideBySide

# (label, attribute, format): the rows of the table, in order.
_METRICS = (
    ("held-out loss", "heldout_loss", "{:.4f}"),
    ("perplexity", "perplexity", "{:.2f}"),
    ("format validity (unconstrained)", "format_validity", "{:.0%}"),
    ("exact match", "exact_match", "{:.0%}"),
    ("field accuracy", "field_accuracy", "{:.0%}"),
    ("ROUGE-L", "rouge_l", "{:.3f}"),
    ("judge score (0-10)", "judge_score", "{:.2f}"),
    ("judge win rate vs base", "judge_win_rate", "{:.0%}"),
    ("output tokens per answer", "mean_output_tokens", "{:.1f}"),
    ("latency median (s)", "latency_median_s", "{:.2f}"),
    ("latency p90 (s)", "latency_p90_s", "{:.2f}"),
)


def evaluate_command(
    dataset: Path, run_dir: Path | None, config: EvaluationConfig, env: Environment, report_path: Path | None
) -> int:
    """Run ``distillery evaluate``; returns the exit code."""
    from distillation.evaluate import evaluate
    from distillation.finetune import DatasetError, FinetuneError
    from distillation.providers import ProviderError

    console, errors = Console(), Console(stderr=True)
    models = [m for m in (config.teacher, config.judge) if m]
    bars = StageBars(console)
    try:
        with bars.progress:
            report = evaluate(
                dataset,
                run_dir,
                config,
                credentials=env.credentials_for(*models),
                prices=env.prices(),
                progress=bars.update,
            )
    except (DatasetError, FinetuneError, ProviderError) as exc:
        return fail(errors, exc)
    console.print(report_table(report))
    if report.pairwise:
        console.print(pairwise_table(report))
    print_samples(console, report)
    print_side_by_side(console, report)
    if report_path is not None:
        report_path.parent.mkdir(parents=True, exist_ok=True)
        report_path.write_text(report.model_dump_json(indent=2))
        plain(console, f"report: {report_path}")
    return 0


class StageBars:
    """One bar per model answering (base, tuned, teacher) and one for the judge."""

    def __init__(self, console: Console) -> None:
        columns = (
            TextColumn("{task.description:<8}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
        )
        self.progress = Progress(*columns, console=console)
        self.tasks: dict[str, TaskID] = {}

    def update(self, stage: str, done: int, total: int) -> None:
        """The ``progress`` callback of ``evaluate``."""
        if stage not in self.tasks:
            self.tasks[stage] = self.progress.add_task(stage, total=total)
        self.progress.update(self.tasks[stage], completed=done, total=total)


def report_table(report: EvaluationReport) -> Table:
    """Metrics as rows, models as columns."""
    title = f"{len(report.heldout_ids)} held-out rows" + (
        f" ({report.data_type})" if report.data_type else ""
    )
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD)
    table.add_column("metric")
    for entry in report.models:
        table.add_column(f"{entry.role}\n{_short(entry.model)}", justify="right")
    for label, attribute, fmt in _METRICS:
        values = [getattr(entry, attribute) for entry in report.models]
        if any(value is not None for value in values):
            table.add_row(label, *("-" if v is None else fmt.format(v) for v in values))
    table.add_row("cost per 1,000 answers", *(_cost(entry.cost_per_1000) for entry in report.models))
    return table


def pairwise_table(report: EvaluationReport) -> Table:
    """One row per pairwise comparison: win / tie / loss rates, position-inconsistent rows, judge cost."""
    judge = report.pairwise[0].judge
    table = Table(
        title=f"pairwise, judged by {judge} in both orders", title_justify="left", box=box.SIMPLE_HEAD
    )
    for column in ("comparison", "win", "tie", "loss", "inconsistent", "unjudged", "judge cost"):
        table.add_column(column, justify="left" if column == "comparison" else "right")
    for result in report.pairwise:
        rates = (result.win_rate, result.tie_rate, result.loss_rate)
        counts = (result.wins, result.ties, result.losses)
        table.add_row(
            f"{result.candidate} vs {result.opponent}",
            *(
                "-" if rate is None else f"{rate:.0%} ({count})"
                for rate, count in zip(rates, counts, strict=True)
            ),
            str(result.position_inconsistent),
            str(result.unjudged),
            _cost(result.judge_cost_usd),
        )
    return table


def print_side_by_side(console: Console, report: EvaluationReport, limit: int = 1) -> None:
    """The first held-out prompts with every model's answer and the judge's reasons."""
    for row in report.side_by_side[:limit]:
        _print_row(console, row)


def _print_row(console: Console, row: SideBySide) -> None:
    plain(console, f"prompt {row.row_id}: {_clip(row.prompt)}")
    plain(console, f"  reference: {_clip(row.reference)}")
    for role, answer in row.answers.items():
        plain(console, f"  {role}: {_clip(answer)}")
    for verdict in row.verdicts:
        plain(console, f"  tuned vs {verdict.opponent}: {verdict.outcome}")
        for reason in verdict.reasons:
            plain(console, f"    {_clip(reason)}")


def print_samples(console: Console, report: EvaluationReport, limit: int = 1) -> None:
    """The first held-out prompt with each model's answer, and the most frequent format problems."""
    for entry in report.models:
        for sample in entry.samples[:limit]:
            state = "" if sample.valid is None else " (valid)" if sample.valid else " (invalid)"
            plain(console, f"{entry.role}{state}: {_clip(sample.answer)}")
        _print_reasons(console, entry)


def _print_reasons(console: Console, entry: ModelEvaluation) -> None:
    if entry.invalid_reasons:
        reasons = ", ".join(f"{reason} ×{count}" for reason, count in entry.invalid_reasons.items())
        plain(console, f"  invalid answers of {entry.role}: {reasons}")


def _cost(value: Decimal | None) -> str:
    return "unknown" if value is None else money(value)


def _short(model: str, width: int = 28) -> str:
    return model if len(model) <= width else "…" + model[-(width - 1) :]


def _clip(text: str, width: int = 160) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"
