"""LoRA fine-tuning of a small student model on a Distillery dataset (``peft`` + ``transformers``).

Rows are rendered through the base model's chat template and the loss covers the assistant turns
only. A pre-flight check refuses rows with nothing to learn and rows longer than the length limit;
a held-out split (rows never used as exemplars) is kept out of training for evaluation. Runs save
checkpoints and resume from the newest one; the CPU works (the bundled SmolLM2-135M, dequantized
from its GGUF file), CUDA is used when present (bf16 where supported; 4-bit QLoRA with ``bitsandbytes``).
Any local causal LM works as the base (a folder, a GGUF file, a model id in the local Hugging Face
cache); the merged model can be exported to GGUF with an Ollama ``Modelfile``. Needs the ``finetune``
extra.

Example:
    >>> from pathlib import Path
    >>> from distillation.finetune import FinetuneConfig, finetune
    >>> steps = []
    >>> result = finetune(  # doctest: +SKIP
    ...     Path("qa.jsonl"),
    ...     Path("runs/qa"),
    ...     FinetuneConfig(max_steps=30, max_seq_length=512),
    ...     on_step=lambda step, total, loss, lr, tokens_per_s: steps.append(loss),
    ... )
    >>> result.status, result.adapter_dir  # doctest: +SKIP
    ('completed', PosixPath('runs/qa/adapter'))
"""

from distillation.finetune.api import (
    FinetuneResult,
    PreflightCallback,
    finetune,
    load_run_model,
    preflight_dataset,
)
from distillation.finetune.base import (
    ARCHITECTURE_TARGETS,
    BaseModelInfo,
    choose_target_modules,
    describe_base_model,
    qlora_available,
)
from distillation.finetune.config import BUNDLED_BASE_MODEL, DEFAULT_TARGET_MODULES, FinetuneConfig
from distillation.finetune.data import (
    DatasetError,
    Split,
    Tokenized,
    TrainingRow,
    heldout_split,
    load_rows,
    prompt_messages,
    reference_answer,
    split_by_ids,
    tokenize,
)
from distillation.finetune.export import export_gguf, write_modelfile
from distillation.finetune.log import TrainingLog, perplexity
from distillation.finetune.loop import (
    EvalCallback,
    GradNormCallback,
    StepCallback,
    StopCheck,
    heldout_loss,
)
from distillation.finetune.model import (
    BaseModelSource,
    DeviceChoice,
    FinetuneError,
    hub_cache_dir,
    load_model,
    load_tokenizer,
    load_tuned,
    pick_device,
    resolve_base_model,
)
from distillation.finetune.outputs import RunPaths, read_run
from distillation.finetune.preflight import HistogramBin, MaskedSample, PreflightReport, RowIssue, preflight

__all__ = [
    "ARCHITECTURE_TARGETS",
    "BUNDLED_BASE_MODEL",
    "DEFAULT_TARGET_MODULES",
    "BaseModelInfo",
    "BaseModelSource",
    "DatasetError",
    "DeviceChoice",
    "EvalCallback",
    "FinetuneConfig",
    "FinetuneError",
    "FinetuneResult",
    "GradNormCallback",
    "HistogramBin",
    "MaskedSample",
    "PreflightCallback",
    "PreflightReport",
    "RowIssue",
    "RunPaths",
    "Split",
    "StepCallback",
    "StopCheck",
    "Tokenized",
    "TrainingLog",
    "TrainingRow",
    "choose_target_modules",
    "describe_base_model",
    "export_gguf",
    "finetune",
    "heldout_loss",
    "heldout_split",
    "hub_cache_dir",
    "load_model",
    "load_rows",
    "load_run_model",
    "load_tokenizer",
    "load_tuned",
    "perplexity",
    "pick_device",
    "preflight",
    "preflight_dataset",
    "prompt_messages",
    "qlora_available",
    "read_run",
    "reference_answer",
    "resolve_base_model",
    "split_by_ids",
    "tokenize",
    "write_modelfile",
]
