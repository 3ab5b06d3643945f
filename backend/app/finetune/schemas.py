"""Fine-tune runs as the API shows them."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from app.kit.schemas import Schema, Seed
from app.models import RunStatus
from distillation.finetune import BUNDLED_BASE_MODEL

GgufType = Literal["f16", "q8_0", "q4_0", "q4_k_m"]


class FinetuneRequest(Schema):
    """Train a LoRA adapter on a dataset's current version, then evaluate it against the base model."""

    dataset_id: uuid.UUID
    name: str | None = Field(default=None, max_length=200)
    base_model: str = Field(
        default=BUNDLED_BASE_MODEL,
        max_length=300,
        description="An id from GET /finetune/base-models (never a path).",
    )
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
    merge: bool = Field(default=False, description="Also write the base model with the adapter merged in.")
    gguf: list[GgufType] = Field(
        default_factory=list,
        max_length=4,
        description="Export the merged model to GGUF at these types with an Ollama Modelfile (merges).",
    )
    quantize: Literal["none", "4bit"] = Field(
        default="none", description="4bit trains QLoRA on an NF4-quantized base (CUDA only)."
    )
    gradient_checkpointing: bool = Field(
        default=False, description="Recompute activations in the backward pass: less memory (CUDA only)."
    )
    bf16: bool = Field(default=False, description="Train on the GPU in bfloat16 (CUDA with bf16 only).")
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
    curve: list[list[float | None]] = Field(
        description="Points [step, train loss, held-out loss, learning rate, gradient norm before "
        "clipping]; a held-out point has only the first three."
    )
    result: dict[str, Any] | None
    evaluation: dict[str, Any] | None
    error: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class BaseModelRead(Schema):
    """A base model this machine has, read from its headers, with rough estimates for training it here."""

    id: str
    label: str
    kind: Literal["bundled", "gguf", "folder", "hub_cache"]
    architecture: str
    params: int
    bytes_on_disk: int
    context_length: int | None
    layers: int | None
    hidden_size: int | None
    device: str
    dtype: str
    estimate_memory_bytes: int
    estimate_tokens_per_s: float
    estimate_seconds: float | None = Field(
        description="Rough training time on the chosen dataset (None without one)."
    )


class BaseModelList(Schema):
    """The base models on offer and what the GPU-only options need."""

    models: list[BaseModelRead]
    cuda: bool
    bf16: bool
    qlora: bool
    dataset_tokens: int | None = Field(description="Estimated training tokens of the chosen dataset.")


class RunFile(Schema):
    """One output of a run to download (a folder comes as a .zip)."""

    name: str
    kind: Literal["adapter", "merged", "gguf", "modelfile", "card"]
    bytes: int
