"""``distillery advise``: students and cheap judges for a teacher, each with the planned job's saving."""

from __future__ import annotations

from rich import box
from rich.console import Console
from rich.table import Table

from distillation.commands.options import Environment
from distillation.commands.render import fail, money, plain
from distillation.cost import PriceConfigError
from distillation.pipeline.advice import Suggestion, advise


def advise_command(
    env: Environment, *, teacher: str, data_type: str, count: int, max_tokens: int, limit: int
) -> int:
    """Print the advice; exit code 1 when the teacher has no price or the price file is bad."""
    console, errors = Console(), Console(stderr=True)
    try:
        prices = env.prices()
        advice = advise(teacher, prices, data_type=data_type, count=count, max_tokens=max_tokens, limit=limit)
    except (ValueError, PriceConfigError) as exc:
        return fail(errors, exc)
    window = advice.teacher_context_window
    context = "context window unknown" if window is None else f"context {window:,} tokens"
    plain(
        console,
        f"teacher {teacher} ({context}); planned job: {count} {data_type} rows, "
        "estimated offline (no request sent)",
    )
    first = (advice.students or advice.judges or (None,))[0]
    if first is not None:
        plain(console, f"the teacher alone, writing and validating every row: {money(first.teacher_only)}")
    plain(console, "price: a typical call's price against the teacher's; schema: the provider's schema mode")
    for title, suggestions in (("students", advice.students), ("cheap judges", advice.judges)):
        if not suggestions:
            plain(console, f"no {title}: no priced model costs less than the teacher")
            continue
        console.print(_table(title, suggestions))
        for suggestion in suggestions:
            for note in suggestion.notes:
                plain(console, f"  {suggestion.model_id}: {note}")
    if advice.judges:
        plain(console, f"judges are priced with the first student, {advice.students[0].model_id}")
    return 0


def _table(title: str, suggestions: tuple[Suggestion, ...]) -> Table:
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD)
    for name in ("model", "price", "context", "schema", "job cost", "saving"):
        table.add_column(name, justify="left" if name == "model" else "right", no_wrap=name == "model")
    for s in suggestions:
        percent = "" if s.savings_percent is None else f" ({s.savings_percent}%)"
        table.add_row(
            s.model_id,
            f"{s.price_ratio * 100:.1f}%",
            "unknown" if s.context_window is None else f"{s.context_window:,}",
            s.structured_output or "unknown",
            money(s.estimated_cost),
            f"{money(s.savings)}{percent}",
        )
    return table
