"""Fine-tune runs as the API shows them."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import Field

from app.kit.schemas import Schema, Seed
from app.models import RunStatus


class FinetuneRequest(Schema):
    """Train a LoRA adapter on a dataset's current version, then evaluate it against the base model."""

    dataset_id: uuid.UUID
    name: str | None = Field(default=None, max_length=200)
    max_steps: int | None = Field(default=None, ge=1, le=1_000_000)
    epochs: float = Field(default=1.0, gt=0, le=100)
    learning_rate: float = Field(default=2e-4, gt=0, le=1)
    lora_r: int = Field(default=16, ge=1, le=1024)
    lora_alpha: int = Field(default=32, ge=1, le=4096)
    lora_dropout: float = Field(default=0.05, ge=0, lt=1)
    batch_size: int = Field(default=4, ge=1, le=1024)
    gradient_accumulation: int = Field(default=1, ge=1, le=1024)
    max_seq_length: int = Field(default=512, ge=16, le=32_768)
    heldout_fraction: float = Field(default=0.1, gt=0, lt=1)
    seed: Seed = 0
    merge: bool = False
    evaluate: bool = True
    eval_max_rows: int | None = Field(default=50, ge=1, le=100_000)
    eval_max_new_tokens: int = Field(default=256, ge=1, le=8192)
    teacher: str | None = Field(
        default=None, max_length=264, description="Also evaluate the teacher (costs money)."
    )
    judge: str | None = Field(
        default=None,
        max_length=264,
        description="Judge model for the evaluation: scores every answer and compares the tuned model "
        "with the base and the teacher pairwise in both orders (its calls cost money; none by default).",
    )
    gold_dataset_id: uuid.UUID | None = Field(
        default=None,
        description="Also evaluate on this dataset's current version: every row is a reference "
        "(it must be another dataset than the one trained on).",
    )


class FinetuneRunRead(Schema):
    """A run with its progress, loss curve and evaluation."""

    id: uuid.UUID
    name: str
    dataset_id: uuid.UUID
    dataset_version: int
    gold_dataset_id: uuid.UUID | None
    gold_dataset_version: int | None
    owner_id: uuid.UUID | None
    status: RunStatus
    stop_requested: bool
    config: dict[str, Any]
    step: int
    total_steps: int | None
    train_loss: float | None
    eval_loss: float | None
    tokens_per_s: float | None
    curve: list[list[float | None]]
    result: dict[str, Any] | None
    evaluation: dict[str, Any] | None
    error: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
