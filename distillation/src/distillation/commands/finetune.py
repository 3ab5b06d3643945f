"""``distillery finetune``: the pre-flight report, a progress bar with the loss, and how to resume."""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.text import Text

from distillation.commands.render import fail, plain

if TYPE_CHECKING:
    from distillation.finetune import FinetuneConfig, FinetuneResult, PreflightReport
    from distillation.finetune.base import BaseModelInfo

EXIT_STOPPED = 2
HISTOGRAM_WIDTH = 40


def finetune_command(
    dataset: Path, output: Path, config: FinetuneConfig, *, check_only: bool, restart: bool, overwrite: bool
) -> int:
    """Run ``distillery finetune``; returns the exit code (2 when stopped early: rerun to resume)."""
    from distillation.finetune import DatasetError, FinetuneError, finetune, preflight_dataset
    from distillation.finetune.base import describe_base_model

    console, errors = Console(), Console(stderr=True)
    try:
        if check_only:
            report = preflight_dataset(dataset, config)
            print_preflight(console, report)
            return 1 if report.problems else 0
        info = describe_base_model(
            config.base_model,
            batch_size=config.batch_size,
            max_seq_length=config.max_seq_length,
            quantize=config.quantize,
        )
        print_base_model(console, info)
        bar = StepBar(console)
        with bar.progress, _stop_on_ctrl_c(errors) as stop:
            result = finetune(
                dataset,
                output,
                config,
                on_step=bar.update,
                on_preflight=lambda report: print_preflight(console, report),
                should_stop=stop.is_set,
                resume=not restart,
                overwrite=overwrite,
            )
    except (DatasetError, FinetuneError) as exc:
        return fail(errors, exc)
    print_result(console, result)
    if result.status == "completed":
        return 0
    plain(errors, f"stopped at step {result.steps}; rerun the same command to resume from the checkpoint")
    return EXIT_STOPPED


def print_base_model(console: Console, info: BaseModelInfo) -> None:
    """The base model's size and the rough memory and speed estimate for training it here."""
    plain(
        console,
        f"base model {info.model_id} ({info.kind}, {info.architecture}): {info.params / 1e6:,.1f}M "
        f"parameters, {info.bytes_on_disk / 2**20:,.0f} MiB on disk; on {info.device} ({info.dtype}) about "
        f"{info.estimate_memory_bytes / 2**30:,.1f} GiB and {info.estimate_tokens_per_s:,.0f} tokens/s "
        "(rough estimate)",
    )


class StepBar:
    """A progress bar over optimizer steps showing loss, learning rate and throughput."""

    def __init__(self, console: Console) -> None:
        self.progress = Progress(
            TextColumn("training"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("loss {task.fields[loss]}  lr {task.fields[lr]}  {task.fields[speed]} tokens/s"),
            TimeElapsedColumn(),
            console=console,
        )
        self.task = self.progress.add_task("training", total=None, loss="-", lr="-", speed="-")

    def update(self, step: int, total: int, loss: float, lr: float, tokens_per_s: float) -> None:
        """The ``on_step`` callback."""
        self.progress.update(
            self.task,
            completed=step,
            total=total,
            loss=f"{loss:.4f}",
            lr=f"{lr:.2e}",
            speed=f"{tokens_per_s:,.0f}",
        )


def print_preflight(console: Console, report: PreflightReport) -> None:
    """The rendered samples with the trained tokens highlighted, the length histogram and problems."""
    for sample in report.samples:
        console.rule(
            f"row {sample.row_id}: {sample.tokens} tokens, {sample.trained_tokens} trained", style="dim"
        )
        text = Text()
        for piece, trained in sample.segments():
            text.append(piece, style="bold green" if trained else "dim")
        console.print(text)
    console.rule("token lengths", style="dim")
    peak = max((b.count for b in report.histogram), default=0) or 1
    for item in report.histogram:
        bar = "#" * round(item.count / peak * HISTOGRAM_WIDTH)
        over = "  > max_seq_length" if item.low > report.max_seq_length else ""
        plain(console, f"{item.low:>6}-{item.high:<6} {item.count:>5} {bar}{over}")
    plain(
        console,
        f"{report.rows} rows, {report.trained_tokens:,} tokens trained on (green: in the loss), "
        f"max_seq_length {report.max_seq_length}",
    )
    if report.dropped:
        plain(console, f"dropped {len(report.dropped)} row(s) longer than max_seq_length")
    for problem in report.problems:
        plain(console, f"problem: {problem}")


def print_result(console: Console, result: FinetuneResult) -> None:
    """Where the outputs are and the final numbers."""
    loss = "n/a" if result.train_loss is None else f"{result.train_loss:.4f}"
    held = "n/a" if result.eval_loss is None else f"{result.eval_loss:.4f}"
    resumed = f", resumed from step {result.resumed_from_step}" if result.resumed_from_step else ""
    plain(
        console,
        f"{result.status}: {result.steps}/{result.total_steps} steps{resumed} in {result.elapsed_s:.0f} s on "
        f"{result.device} ({result.dtype}), {result.tokens_per_s:,.0f} tokens/s",
    )
    plain(console, f"training loss {loss}, held-out loss {held} ({result.heldout_rows} held-out rows)")
    if result.status == "completed":
        plain(console, f"adapter: {result.adapter_dir}")
        if result.merged_dir is not None:
            plain(console, f"merged model: {result.merged_dir}")
        for path in result.gguf_files:
            plain(console, f"GGUF: {path}")
        if result.modelfile is not None:
            plain(console, f"Ollama Modelfile: {result.modelfile}")
        plain(console, f"model card: {result.card_path}; training log: {result.log_path}")


@contextlib.contextmanager
def _stop_on_ctrl_c(console: Console) -> Iterator[threading.Event]:
    """The first Ctrl-C asks the loop to stop after its step (and checkpoint); a second one aborts."""
    stop = threading.Event()

    def handler(signum: int, frame: object) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()
        plain(console, "stopping after this step (Ctrl-C again to abort without a checkpoint)")

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield stop
    finally:
        signal.signal(signal.SIGINT, previous)


def push_model_command(
    run_dir: Path,
    repo_id: str,
    token: str,
    what: tuple[str, ...],
    *,
    evaluation: Path | None = None,
    private: bool = True,
    endpoint: str | None = None,
) -> int:
    """Run ``distillery push-model``; returns 0, or 1 with the reason in words (never the token)."""
    import json

    from distillation.export import HubPushError, HubTarget
    from distillation.finetune import FinetuneError
    from distillation.finetune.hub import push_model

    console, errors = Console(), Console(stderr=True)
    try:
        report = json.loads(evaluation.read_text()) if evaluation is not None else None
        result = push_model(
            run_dir,
            HubTarget(repo_id, token, private),
            what=what,
            endpoint=endpoint,
            evaluation=report,
            progress=lambda line: plain(errors, line),
        )
    except (ValueError, FinetuneError, HubPushError) as exc:
        return fail(errors, exc)
    plain(console, f"pushed {', '.join(result.outputs)} ({len(result.files)} files) to {result.url}")
    plain(console, f"commit: {result.commit_url}")
    return 0
