"""The training loop: token-weighted gradient accumulation, schedule, clipping, eval, checkpoints, stop."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol

from distillation.finetune.batches import (
    batches_per_epoch,
    collate,
    label_count,
    loss_sum,
    stream,
)
from distillation.finetune.checkpoint import CheckpointStore, LoopState
from distillation.finetune.config import FinetuneConfig
from distillation.finetune.data import Tokenized
from distillation.finetune.log import TrainingLog
from distillation.finetune.model import require

EVAL_BATCH = 8


class StepCallback(Protocol):
    """Called after every optimizer step (a job streams these to the dashboard's loss curve)."""

    def __call__(self, step: int, total: int, loss: float, lr: float, tokens_per_s: float) -> None:
        """Report one step.

        Args:
            step: Steps done (1-based).
            total: Steps the run will take.
            loss: Mean loss per trained token of this step.
            lr: Learning rate used by this step.
            tokens_per_s: Training throughput so far (non-padding tokens per second of step time).
        """


EvalCallback = Callable[[int, float], None]
# ``on_grad_norm(step, norm)``: the gradient's total L2 norm before clipping, before ``on_step`` of that step.
GradNormCallback = Callable[[int, float], None]
StopCheck = Callable[[], bool]


@dataclass(frozen=True)
class LoopOutcome:
    """How the loop ended, and where it stood."""

    status: Literal["completed", "cancelled"]
    state: LoopState
    total_steps: int
    checkpoint: Path | None


def total_steps(config: FinetuneConfig, rows: int) -> int:
    """Optimizer steps of a run over ``rows`` training rows."""
    if config.max_steps is not None:
        return config.max_steps
    per_epoch = batches_per_epoch(rows, config.batch_size) / config.gradient_accumulation
    return max(1, math.ceil(per_epoch * config.epochs))


class LoraTrainer:
    """Trains the adapters of a PEFT model on tokenized rows.

    Args:
        model: A ``peft`` model on its device, adapters trainable.
        config: The run's settings.
        train: Training rows.
        heldout: Held-out rows (eval loss only; may be empty).
        pad_id: Padding token id.
        log: Where steps and evaluations are logged.
        checkpoints: Where checkpoints go.
    """

    def __init__(
        self,
        model: Any,
        config: FinetuneConfig,
        train: Sequence[Tokenized],
        heldout: Sequence[Tokenized],
        *,
        pad_id: int,
        log: TrainingLog,
        checkpoints: CheckpointStore,
    ) -> None:
        torch, transformers = require("torch"), require("transformers")
        self.model, self.config, self.train, self.heldout = model, config, list(train), list(heldout)
        self.pad_id, self.log, self.checkpoints = pad_id, log, checkpoints
        self.device = str(next(model.parameters()).device)
        self.total = total_steps(config, len(self.train))
        params = [p for p in model.parameters() if p.requires_grad]
        self.optimizer = torch.optim.AdamW(params, lr=config.learning_rate, weight_decay=config.weight_decay)
        self.scheduler = transformers.get_scheduler(
            config.lr_scheduler,
            self.optimizer,
            num_warmup_steps=round(config.warmup_ratio * self.total),
            num_training_steps=self.total,
        )
        self.state = LoopState()
        self.per_epoch = max(1, batches_per_epoch(len(self.train), config.batch_size))
        self._evaluated_at = -1

    def resume(self, checkpoint: Path) -> None:
        """Continue from ``checkpoint``; log entries after its step are dropped."""
        self.state = self.checkpoints.load(checkpoint, self.model, self.optimizer, self.scheduler)
        self.log.truncate_after(self.state.step)

    def run(
        self,
        on_step: StepCallback | None = None,
        on_eval: EvalCallback | None = None,
        should_stop: StopCheck | None = None,
        on_grad_norm: GradNormCallback | None = None,
    ) -> LoopOutcome:
        """Train until ``total`` steps or until ``should_stop()`` says so (a checkpoint is saved then)."""
        lengths = [len(item.input_ids) for item in self.train]
        config = self.config
        batches = stream(lengths, config.batch_size, config.seed, config.group_by_length, self.state.position)
        self.model.train()
        checkpoint = None
        while self.state.step < self.total:
            if should_stop is not None and should_stop():
                return LoopOutcome("cancelled", self.state, self.total, self._save())
            group = [next(batches) for _ in range(self.config.gradient_accumulation)]
            lr = self._step([self.train[i] for _, rows in group for i in rows], group[-1][0])
            if on_grad_norm is not None and self.state.last_grad_norm is not None:
                on_grad_norm(self.state.step, self.state.last_grad_norm)
            if on_step is not None:
                on_step(self.state.step, self.total, self.state.last_loss or 0.0, lr, self.tokens_per_s)
            self._maybe_eval(on_eval)
            if self.state.step % self.config.save_every == 0:
                checkpoint = self._save()
        if self._evaluated_at != self.state.step:
            self._evaluate(on_eval)
        return LoopOutcome("completed", self.state, self.total, checkpoint)

    @property
    def tokens_per_s(self) -> float:
        """Non-padding tokens per second of training-step time, over the whole run."""
        return self.state.tokens / self.state.train_seconds if self.state.train_seconds else 0.0

    def _step(self, items: list[Tokenized], after: Any) -> float:
        """One optimizer step over ``items``; returns the learning rate it used."""
        torch = require("torch")
        started = time.perf_counter()
        micro = [items[i : i + self.config.batch_size] for i in range(0, len(items), self.config.batch_size)]
        tensors = [collate(chunk, self.pad_id, self.device) for chunk in micro]
        labelled = max(1, sum(label_count(batch) for batch in tensors))
        total = 0.0
        for batch in tensors:
            loss = loss_sum(self.model, batch) / labelled
            loss.backward()
            total += float(loss.detach())
        params = [p for group in self.optimizer.param_groups for p in group["params"]]
        # The total norm before clipping (an infinite limit measures without clipping).
        limit = self.config.max_grad_norm if self.config.max_grad_norm > 0 else float("inf")
        grad_norm = float(torch.nn.utils.clip_grad_norm_(params, limit))
        lr = self.scheduler.get_last_lr()[0]
        self.optimizer.step()
        self.scheduler.step()
        self.optimizer.zero_grad(set_to_none=True)
        if self.device.startswith("cuda"):
            torch.cuda.synchronize()
        state = self.state
        state.step += 1
        state.position = after
        state.tokens += sum(len(item.input_ids) for item in items)
        state.trained_tokens += labelled
        state.train_seconds += time.perf_counter() - started
        state.last_loss = total
        state.last_grad_norm = grad_norm
        epoch = state.position.epoch + state.position.batch / self.per_epoch
        self.log.train(state.step, epoch, total, lr, state.tokens, self.tokens_per_s, grad_norm)
        return float(lr)

    def _maybe_eval(self, on_eval: EvalCallback | None) -> None:
        every = self.config.eval_every
        if every is not None:
            due = self.state.step % every == 0
        else:  # at each epoch's end: the step that crossed into a new epoch
            due = self.state.position.batch < self.config.gradient_accumulation and self.state.step > 0
        if due and self.state.step < self.total:
            self._evaluate(on_eval)

    def _evaluate(self, on_eval: EvalCallback | None) -> None:
        if not self.heldout:
            return
        loss = heldout_loss(self.model, self.heldout, self.pad_id)
        self.model.train()
        self.state.last_eval_loss = loss
        self._evaluated_at = self.state.step
        self.log.evaluation(self.state.step, loss)
        if on_eval is not None:
            on_eval(self.state.step, loss)

    def _save(self) -> Path:
        return self.checkpoints.save(self.model, self.optimizer, self.scheduler, self.state)


def heldout_loss(model: Any, rows: Sequence[Tokenized], pad_id: int, batch_size: int = EVAL_BATCH) -> float:
    """Mean cross-entropy per trained token over ``rows`` (the model is left in eval mode)."""
    torch = require("torch")
    device = str(next(model.parameters()).device)
    model.eval()
    total, count = 0.0, 0
    ordered = sorted(rows, key=lambda item: len(item.input_ids))
    with torch.no_grad():
        for start in range(0, len(ordered), batch_size):
            batch = collate(ordered[start : start + batch_size], pad_id, device)
            total += float(loss_sum(model, batch))
            count += label_count(batch)
    return total / max(1, count)
