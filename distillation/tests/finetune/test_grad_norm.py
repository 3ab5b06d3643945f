"""The gradient's norm is reported each step, measured before clipping, and kept in the training log."""

from __future__ import annotations

import json
import math
from pathlib import Path

from distillation.finetune import FinetuneConfig, finetune
from distillation.testing.tiny_models import chat_rows, save_tiny


def test_each_step_reports_its_gradient_norm_before_clipping_and_logs_it(tmp_path: Path) -> None:
    base = save_tiny(tmp_path / "tiny-llama", "llama")
    config = FinetuneConfig(
        base_model=str(base), max_steps=3, batch_size=4, max_seq_length=64, heldout_fraction=0,
        lora_r=4, lora_alpha=8, device="cpu", max_grad_norm=1e-6,
    )  # fmt: skip
    norms: list[tuple[int, float]] = []
    order: list[str] = []

    def note_norm(step: int, norm: float) -> None:
        norms.append((step, norm))
        order.append("norm")

    finetune(
        chat_rows(),
        tmp_path / "run",
        config,
        on_grad_norm=lambda step, norm: note_norm(step, norm),
        on_step=lambda *_: order.append("step"),
    )

    assert [step for step, _ in norms] == [1, 2, 3]
    # Clipped to 1e-6, the update is tiny, but the norm reported is the one before clipping.
    assert all(math.isfinite(norm) and norm > 1e-4 for _, norm in norms)
    assert order == ["norm", "step"] * 3
    log = [json.loads(line) for line in (tmp_path / "run" / "training_log.jsonl").read_text().splitlines()]
    logged = [entry["grad_norm"] for entry in log if entry["type"] == "train"]
    assert logged == [norm for _, norm in norms]
