"""The training log: one JSON line per optimizer step and per held-out evaluation.

Lines look like ``{"type": "train", "step": 3, "epoch": 0.75, "loss": 1.92, "lr": 0.0002, "tokens":
1830, "tokens_per_s": 412.5}`` and ``{"type": "eval", "step": 4, "eval_loss": 1.71, "perplexity":
5.53}``. A resumed run drops the lines after its checkpoint's step before appending, so the log
never holds a step twice.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any


class TrainingLog:
    """Appends steps and evaluations to a JSONL file, flushed line by line."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)

    def train(
        self,
        step: int,
        epoch: float,
        loss: float,
        lr: float,
        tokens: int,
        tokens_per_s: float,
        grad_norm: float | None = None,
    ) -> None:
        """Log one optimizer step (``grad_norm``: the gradient's norm before clipping)."""
        self._write(
            {
                "type": "train",
                "step": step,
                "epoch": round(epoch, 4),
                "loss": loss,
                "lr": lr,
                "grad_norm": grad_norm,
                "tokens": tokens,
                "tokens_per_s": round(tokens_per_s, 2),
            }
        )

    def evaluation(self, step: int, loss: float) -> None:
        """Log one held-out evaluation."""
        self._write({"type": "eval", "step": step, "eval_loss": loss, "perplexity": perplexity(loss)})

    def entries(self) -> list[dict[str, Any]]:
        """Every logged line, in order."""
        if not self.path.is_file():
            return []
        return [json.loads(line) for line in self.path.read_text().splitlines() if line.strip()]

    def truncate_after(self, step: int) -> None:
        """Drop the lines of steps after ``step`` (they are about to be trained again)."""
        kept = [entry for entry in self.entries() if entry["step"] <= step]
        self.path.write_text("".join(json.dumps(entry) + "\n" for entry in kept))

    def reset(self) -> None:
        """Start an empty log."""
        self.path.write_text("")

    def _write(self, entry: dict[str, Any]) -> None:
        with self.path.open("a") as handle:
            handle.write(json.dumps(entry) + "\n")


def perplexity(loss: float) -> float:
    """``exp(loss)``, capped so a diverged run still serializes as JSON."""
    return math.exp(min(loss, 50.0))
