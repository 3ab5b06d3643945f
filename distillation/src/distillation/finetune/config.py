"""The settings of one LoRA fine-tune run."""

from __future__ import annotations

import hashlib
import json
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

BUNDLED_BASE_MODEL = "local:smollm2-135m"
# Every projection of a Llama-style block: attention and MLP.
DEFAULT_TARGET_MODULES = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")

Scheduler = Literal["linear", "cosine", "constant", "constant_with_warmup"]
Device = Literal["auto", "cpu", "cuda", "mps"]
Quantize = Literal["none", "4bit"]
GgufType = Literal["f16", "q8_0", "q4_0", "q4_k_m"]

# Settings that change what is trained; the others (how often to save, merging...) may differ on resume.
_RUN_KEYS = (
    "base_model",
    "lora_r",
    "lora_alpha",
    "lora_dropout",
    "target_modules",
    "epochs",
    "max_steps",
    "learning_rate",
    "lr_scheduler",
    "warmup_ratio",
    "weight_decay",
    "max_grad_norm",
    "batch_size",
    "gradient_accumulation",
    "max_seq_length",
    "seed",
    "heldout_fraction",
    "drop_long_rows",
    "group_by_length",
    "quantize",
)
# Keys added after runs were recorded: left out of the fingerprint at their defaults, so those runs resume.
_NEW_KEY_DEFAULTS = {"quantize": "none"}


class FinetuneConfig(BaseModel):
    """What to train and how; every field has a default that works on the bundled model.

    Attributes:
        base_model: ``local:smollm2-135m`` (the bundled GGUF, dequantized), a ``.gguf`` file, a
            directory holding a Hugging Face model (``config.json`` + weights), or a model id
            (``org/name``) already in the local Hugging Face cache. Nothing is downloaded.
        lora_r: LoRA rank.
        lora_alpha: LoRA scaling numerator (the update is scaled by ``alpha / r``).
        lora_dropout: Dropout on the LoRA input.
        target_modules: Module names that get adapters; the default (every Llama-style projection)
            is replaced by the architecture's own names, or every linear layer but the output head.
        epochs: Passes over the training rows (fractions allowed) when ``max_steps`` is not set.
        max_steps: Optimizer steps to run; overrides ``epochs``.
        learning_rate: Peak learning rate.
        lr_scheduler: Learning-rate schedule after warm-up.
        warmup_ratio: Share of the steps spent warming up linearly from 0.
        weight_decay: AdamW weight decay.
        max_grad_norm: Gradient clipping norm (0 turns clipping off).
        batch_size: Rows per forward pass.
        gradient_accumulation: Forward passes per optimizer step.
        max_seq_length: Longest row in tokens; longer rows are refused (or dropped, see
            ``drop_long_rows``), never silently truncated.
        seed: Seed of the split, the row order, the adapter initialisation and dropout.
        heldout_fraction: Share of the rows held out for evaluation (only rows never used as
            exemplars qualify); 0 holds out nothing.
        drop_long_rows: Drop rows longer than ``max_seq_length`` instead of refusing the dataset.
        group_by_length: Batch rows of similar length together (less padding, faster).
        eval_every: Held-out loss every this many steps; None evaluates at each epoch's end.
        save_every: Checkpoint every this many steps (a stop or a crash resumes from the last one).
        keep_checkpoints: Checkpoints kept on disk (older ones are deleted).
        merge: Also write the base model with the adapter merged in (``merged/``, transformers format).
        gguf: Export the merged model to GGUF at these types (``f16``, ``q8_0``, ``q4_0``, ``q4_k_m``)
            in ``gguf/``, with an Ollama ``Modelfile``; implies ``merge``.
        quantize: ``4bit`` trains QLoRA on an NF4-quantized base (CUDA and ``bitsandbytes`` only).
        gradient_checkpointing: Recompute activations in the backward pass (less memory, slower).
        device: ``auto`` picks CUDA (bf16 where supported), then Apple MPS, then the CPU (float32).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    base_model: str = BUNDLED_BASE_MODEL
    lora_r: int = Field(default=16, ge=1)
    lora_alpha: int = Field(default=32, ge=1)
    lora_dropout: float = Field(default=0.05, ge=0, lt=1)
    target_modules: tuple[str, ...] = DEFAULT_TARGET_MODULES
    epochs: float = Field(default=3.0, gt=0)
    max_steps: int | None = Field(default=None, ge=1)
    learning_rate: float = Field(default=2e-4, gt=0)
    lr_scheduler: Scheduler = "cosine"
    warmup_ratio: float = Field(default=0.05, ge=0, lt=1)
    weight_decay: float = Field(default=0.0, ge=0)
    max_grad_norm: float = Field(default=1.0, ge=0)
    batch_size: int = Field(default=4, ge=1)
    gradient_accumulation: int = Field(default=1, ge=1)
    max_seq_length: int = Field(default=1024, ge=8)
    seed: int = 0
    heldout_fraction: float = Field(default=0.1, ge=0, lt=1)
    drop_long_rows: bool = False
    group_by_length: bool = True
    eval_every: int | None = Field(default=None, ge=1)
    save_every: int = Field(default=50, ge=1)
    keep_checkpoints: int = Field(default=2, ge=1)
    merge: bool = False
    gguf: tuple[GgufType, ...] = ()
    quantize: Quantize = "none"
    gradient_checkpointing: bool = False
    device: Device = "auto"

    @model_validator(mode="after")
    def _targets(self) -> FinetuneConfig:
        if not self.target_modules:
            raise ValueError("target_modules must name at least one module")
        return self

    def run_fingerprint(self, data_hash: str) -> str:
        """A hash of the settings that change the training and of the data: equal means resumable."""
        settings = self.model_dump(mode="json", include=set(_RUN_KEYS))
        for key, default in _NEW_KEY_DEFAULTS.items():
            if settings.get(key) == default:
                del settings[key]
        text = json.dumps({"settings": settings, "data": data_hash}, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]
