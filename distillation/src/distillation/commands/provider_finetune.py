"""``distillery provider-finetune``: fine-tune through a provider's API, printing its events and metrics."""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import orjson
from rich.console import Console

from distillation.commands.render import fail, plain

if TYPE_CHECKING:
    from distillation.cost.training import TrainingPrices
    from distillation.finetune.provider import (
        ProviderEvent,
        ProviderFinetuneClient,
        ProviderFinetuneRequest,
        ProviderFinetuneResult,
        ProviderJob,
    )


def provider_finetune_command(
    client: ProviderFinetuneClient,
    dataset: Path | None,
    run_dir: Path,
    request: ProviderFinetuneRequest | None,
    prices: TrainingPrices,
    *,
    job_id: str | None,
    cancel: bool,
    poll_s: float,
) -> int:
    """Runs (or, with ``job_id``, resumes or cancels) a provider fine-tune; returns the exit code.

    0 when the job succeeded, 1 when it failed or a call was refused, 2 when it was cancelled.
    ``run_dir/result.json`` records the job, its model, trained tokens and estimated cost.
    """
    from distillation.finetune.provider import (
        ProviderFinetuneError,
        cancel_job,
        follow_job,
        provider_finetune,
    )
    from distillation.providers import ProviderError

    console, errors = Console(), Console(stderr=True)
    printer = _Printer(console)
    try:
        if job_id is not None and cancel:
            job = cancel_job(client, job_id)
            plain(console, f"{job.id}: {job.status}")
            return 0
        with _cancel_on_ctrl_c(errors) as stop:
            if job_id is not None:
                result = follow_job(
                    client,
                    job_id,
                    prices=prices,
                    on_event=printer.event,
                    on_status=printer.status,
                    should_stop=stop.is_set,
                    poll_s=poll_s,
                )
            else:
                assert dataset is not None
                assert request is not None
                result = provider_finetune(
                    client,
                    dataset,
                    run_dir,
                    request,
                    prices=prices,
                    on_event=printer.event,
                    on_status=printer.status,
                    on_created=lambda job: plain(
                        console,
                        f"job {job.id} created (resume: --job {job.id}; cancel: --job {job.id} --cancel)",
                    ),
                    should_stop=stop.is_set,
                    poll_s=poll_s,
                )
    except (ProviderFinetuneError, ProviderError) as exc:
        return fail(errors, exc)
    _write_result(run_dir, client.provider, result)
    return _print_result(console, client.provider, result)


class _Printer:
    def __init__(self, console: Console) -> None:
        self.console = console

    def status(self, job: ProviderJob) -> None:
        plain(self.console, f"status: {job.status}")

    def event(self, event: ProviderEvent) -> None:
        if event.step is not None and event.train_loss is not None:
            plain(self.console, f"  step {event.step}: train loss {event.train_loss:.4f}")
        else:
            plain(self.console, f"  [{event.level}] {event.message}")


def _print_result(console: Console, provider: str, result: ProviderFinetuneResult) -> int:
    job = result.job
    if job.status == "succeeded":
        plain(console, f"model: {provider}:{job.fine_tuned_model}")
        if job.trained_tokens is not None:
            plain(console, f"trained tokens: {job.trained_tokens:,}")
        if result.cost_usd is not None:
            plain(
                console,
                f"estimated cost: ${result.cost_usd} ({result.price_per_million} $/1M training tokens)",
            )
        else:
            plain(console, "estimated cost: unknown (add the model to training_prices in prices.yaml)")
        return 0
    if job.status == "cancelled":
        plain(console, f"job {job.id} cancelled")
        return 2
    plain(console, f"job {job.id} failed: {job.error or 'no reason given'}")
    return 1


def _write_result(run_dir: Path, provider: str, result: ProviderFinetuneResult) -> None:
    job = result.job
    run_dir.mkdir(parents=True, exist_ok=True)
    body = {
        "provider": provider,
        "job_id": job.id,
        "base_model": job.base_model,
        "status": job.status,
        "fine_tuned_model": job.fine_tuned_model,
        "trained_tokens": job.trained_tokens,
        "error": job.error,
        "price_per_million": None if result.price_per_million is None else str(result.price_per_million),
        "cost_usd": None if result.cost_usd is None else str(result.cost_usd),
        "metrics": [{"step": step, "train_loss": loss} for step, loss in result.metrics],
    }
    (run_dir / "result.json").write_bytes(orjson.dumps(body, option=orjson.OPT_INDENT_2))


@contextlib.contextmanager
def _cancel_on_ctrl_c(errors: Console) -> Iterator[threading.Event]:
    """The first Ctrl-C cancels the job (followed to its end); a second one stops at once."""
    stop = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return

    def handler(signum: int, frame: object) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        plain(errors, "cancelling the job (Ctrl-C again to leave it running)...")
        stop.set()

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield stop
    finally:
        signal.signal(signal.SIGINT, previous)
