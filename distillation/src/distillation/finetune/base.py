"""What a base model is before it is loaded, which modules get adapters, and QLoRA loading.

:func:`describe_base_model` reads only headers (``config.json``, safetensors headers, the GGUF header
and metadata without the vocabulary, see :mod:`distillation.finetune.gguf_header`):
parameter count, bytes on disk, architecture, and a rough estimate of the memory and speed of LoRA
training on this machine, for a form to show before a run is started.
"""

from __future__ import annotations

import json
import os
import struct
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel

from distillation.finetune.config import DEFAULT_TARGET_MODULES
from distillation.finetune.gguf_header import GGUFArray, read_gguf_header
from distillation.finetune.model import (
    BaseModelSource,
    FinetuneError,
    pick_device,
    require,
    resolve_base_model,
)

# LoRA targets per ``config.model_type``: every attention and MLP projection.
ARCHITECTURE_TARGETS: dict[str, tuple[str, ...]] = {
    "llama": DEFAULT_TARGET_MODULES,
    "mistral": DEFAULT_TARGET_MODULES,
    "qwen2": DEFAULT_TARGET_MODULES,
    "qwen3": DEFAULT_TARGET_MODULES,
    "gemma": DEFAULT_TARGET_MODULES,
    "gemma2": DEFAULT_TARGET_MODULES,
    "olmo": DEFAULT_TARGET_MODULES,
    "granite": DEFAULT_TARGET_MODULES,
    "phi3": ("qkv_proj", "o_proj", "gate_up_proj", "down_proj"),
    "phi": ("q_proj", "k_proj", "v_proj", "dense", "fc1", "fc2"),
    "gpt2": ("c_attn", "c_proj", "c_fc"),
    "gpt_neox": ("query_key_value", "dense", "dense_h_to_4h", "dense_4h_to_h"),
    "falcon": ("query_key_value", "dense", "dense_h_to_4h", "dense_4h_to_h"),
}
# Linear layers that never get adapters: the output head (tied to the embeddings in small models).
_NOT_TARGETS = {"lm_head", "embed_out", "output", "score"}

# Rough sustained training throughput (floating-point operations per second) by device; a LoRA step
# costs about 4 x parameters FLOPs per token (forward, and the backward pass through the activations).
_CPU_FLOPS_PER_CORE = 15e9
_CUDA_FLOPS = 60e12
_FLOPS_PER_PARAM_TOKEN = 4

SourceKind = Literal["bundled", "gguf", "folder", "hub_cache"]


class BaseModelInfo(BaseModel):
    """A base model as read from its headers, with rough estimates for training it here.

    Attributes:
        model_id: The reference as given (bundled id, path or model id).
        kind: ``bundled``, ``gguf`` (a GGUF file), ``folder`` or ``hub_cache`` (a cached model id).
        path: The folder or file the weights are read from.
        architecture: ``config.model_type`` (``general.architecture`` for GGUF), e.g. ``llama``, ``qwen2``.
        params: Parameter count.
        bytes_on_disk: Size of the weight files.
        hidden_size: Width of the model (None when unknown).
        layers: Transformer blocks (None when unknown).
        vocab_size: Vocabulary size (None when unknown).
        context_length: Longest context the model was trained for (None when unknown).
        target_modules: The modules LoRA targets by default for this architecture.
        device: The device ``auto`` picks here.
        dtype: The weights' dtype there.
        estimate_memory_bytes: Rough peak memory of LoRA training at batch 4 x 1024 tokens.
        estimate_tokens_per_s: Rough training throughput here (tokens per second).
        qlora_available: 4-bit QLoRA can run here (a CUDA GPU and ``bitsandbytes``).
    """

    model_id: str
    kind: SourceKind
    path: Path
    architecture: str
    params: int
    bytes_on_disk: int
    hidden_size: int | None
    layers: int | None
    vocab_size: int | None
    context_length: int | None
    target_modules: tuple[str, ...]
    device: str
    dtype: str
    estimate_memory_bytes: int
    estimate_tokens_per_s: float
    qlora_available: bool

    def estimate_seconds(self, tokens: int) -> float:
        """Rough training time for ``tokens`` tokens (rows x epochs x mean row length)."""
        return tokens / self.estimate_tokens_per_s if self.estimate_tokens_per_s else float("inf")


def describe_base_model(
    base_model: str, *, batch_size: int = 4, max_seq_length: int = 1024, quantize: str = "none"
) -> BaseModelInfo:
    """Size, architecture and rough training estimates of ``base_model`` without loading its weights.

    Raises:
        FinetuneError: The model cannot be found locally or its headers cannot be read.
    """
    source = resolve_base_model(base_model)
    if source.gguf_file is not None:
        shape = _gguf_shape(source.directory / source.gguf_file)
    else:
        shape = _folder_shape(source.directory)
    choice = pick_device("auto")
    weight_bytes = 0.55 if quantize == "4bit" else 2 if choice.dtype == "bfloat16" else 4
    hidden, layers = shape["hidden_size"] or 0, shape["layers"] or 0
    # Activations kept for the backward pass: about 16 values per hidden unit, token and layer.
    activations = (
        batch_size * max_seq_length * hidden * layers * 16 * (2 if choice.dtype == "bfloat16" else 4)
    )
    logits = batch_size * max_seq_length * (shape["vocab_size"] or 0) * 4 * 2
    memory = int(shape["params"] * weight_bytes * 1.1 + activations + logits)
    flops = _CUDA_FLOPS if choice.device == "cuda" else _CPU_FLOPS_PER_CORE * _cores()
    speed = flops / (_FLOPS_PER_PARAM_TOKEN * max(1, shape["params"]))
    architecture = str(shape["architecture"])
    return BaseModelInfo(
        model_id=base_model,
        kind=_kind(base_model, source),
        path=source.directory / source.gguf_file if source.gguf_file else source.directory,
        architecture=architecture,
        params=shape["params"],
        bytes_on_disk=shape["bytes"],
        hidden_size=shape["hidden_size"],
        layers=shape["layers"],
        vocab_size=shape["vocab_size"],
        context_length=shape["context_length"],
        target_modules=ARCHITECTURE_TARGETS.get(architecture, DEFAULT_TARGET_MODULES),
        device=choice.device,
        dtype=choice.dtype,
        estimate_memory_bytes=memory,
        estimate_tokens_per_s=round(speed, 1),
        qlora_available=qlora_available(),
    )


def qlora_available() -> bool:
    """A CUDA GPU and ``bitsandbytes`` are present (4-bit QLoRA can run)."""
    try:
        torch = require("torch")
        require("bitsandbytes")
    except FinetuneError:
        return False
    return bool(torch.cuda.is_available())


def choose_target_modules(model: Any, requested: tuple[str, ...], architecture: str) -> tuple[str, ...]:
    """The module names that get adapters in ``model``.

    The default list is replaced by the architecture's own (or, for an unknown architecture, by every
    linear layer's name but the output head); an explicit list is checked against the model.

    Raises:
        FinetuneError: An explicitly requested name matches no linear layer of the model.
    """
    names = linear_module_names(model)
    if requested == DEFAULT_TARGET_MODULES:
        for candidate in (ARCHITECTURE_TARGETS.get(architecture), DEFAULT_TARGET_MODULES):
            if candidate and set(candidate) <= names:
                return candidate
        found = tuple(sorted(names - _NOT_TARGETS))
        if not found:
            raise FinetuneError(f"found no linear layers to put adapters on in this {architecture} model")
        return found
    missing = sorted(set(requested) - names)
    if missing:
        raise FinetuneError(
            f"this {architecture} model has no linear layers named {', '.join(missing)}; "
            f"its linear layers are: {', '.join(sorted(names))}"
        )
    return requested


def linear_module_names(model: Any) -> set[str]:
    """The last name component of every linear (or GPT-2 ``Conv1D``) layer of ``model``."""
    torch = require("torch")
    pytorch_utils = require("transformers.pytorch_utils")
    kinds = (torch.nn.Linear, pytorch_utils.Conv1D)
    return {name.rsplit(".", 1)[-1] for name, module in model.named_modules() if isinstance(module, kinds)}


def load_model_4bit(source: BaseModelSource, device: str) -> Any:
    """The base model quantized to 4-bit NF4 (QLoRA), bf16 compute, on the CUDA GPU.

    Raises:
        FinetuneError: No CUDA GPU, ``bitsandbytes`` missing, or a GGUF source.
    """
    if device != "cuda":
        raise FinetuneError(
            "4-bit QLoRA needs a CUDA GPU (bitsandbytes kernels); this machine trains on "
            f"{device}: use --quantize none (plain LoRA)"
        )
    require("bitsandbytes")
    if source.gguf_file is not None:
        raise FinetuneError("4-bit QLoRA reads a Hugging Face model folder or model id, not a GGUF file")
    transformers, torch = require("transformers"), require("torch")
    quantization = transformers.BitsAndBytesConfig(
        load_in_4bit=True,
        bnb_4bit_quant_type="nf4",
        bnb_4bit_use_double_quant=True,
        bnb_4bit_compute_dtype=torch.bfloat16,
    )
    return transformers.AutoModelForCausalLM.from_pretrained(
        source.directory,
        quantization_config=quantization,
        dtype=torch.bfloat16,
        device_map={"": 0},
        local_files_only=True,
    )


def model_architecture(model: Any) -> str:
    """``config.model_type`` of a loaded model (``unknown`` when it has none)."""
    return str(getattr(getattr(model, "config", None), "model_type", "unknown"))


def _kind(base_model: str, source: BaseModelSource) -> SourceKind:
    from distillation.finetune.config import BUNDLED_BASE_MODEL

    if base_model == BUNDLED_BASE_MODEL:
        return "bundled"
    if source.gguf_file is not None:
        return "gguf"
    return "folder" if Path(base_model).expanduser().is_dir() else "hub_cache"


def _cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def _folder_shape(folder: Path) -> dict[str, Any]:
    config = json.loads((folder / "config.json").read_text())
    text = config.get("text_config") or config
    files = sorted(folder.glob("*.safetensors"))
    if files:
        params = sum(_safetensors_params(path) for path in files)
    else:
        files = sorted(folder.glob("*.bin"))
        params = _params_from_config(folder)
    return {
        "architecture": config.get("model_type", "unknown"),
        "params": params,
        "bytes": sum(path.stat().st_size for path in files),
        "hidden_size": text.get("hidden_size") or text.get("n_embd"),
        "layers": text.get("num_hidden_layers") or text.get("n_layer"),
        "vocab_size": text.get("vocab_size"),
        "context_length": text.get("max_position_embeddings") or text.get("n_positions"),
    }


def _safetensors_params(path: Path) -> int:
    """Parameters in one safetensors file, from its JSON header alone."""
    with path.open("rb") as handle:
        (length,) = struct.unpack("<Q", handle.read(8))
        header = json.loads(handle.read(length))
    total = 0
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        count = 1
        for size in entry["shape"]:
            count *= size
        total += count
    return total


def _params_from_config(folder: Path) -> int:
    """Parameters of a model built on the meta device from its config (no weights read)."""
    transformers, accelerate = require("transformers"), require("accelerate")
    config = transformers.AutoConfig.from_pretrained(folder, local_files_only=True)
    with accelerate.init_empty_weights():
        model = transformers.AutoModelForCausalLM.from_config(config)
    return int(sum(p.numel() for p in model.parameters()))


def _gguf_shape(path: Path) -> dict[str, Any]:
    """The shape of a GGUF model from its header alone: its vocabulary and weights are never read."""
    try:
        header = read_gguf_header(path)
    except (ValueError, OSError) as exc:
        raise FinetuneError(f"{path} is not a readable GGUF file: {exc}") from exc
    metadata = header.metadata

    def number(key: str) -> int | None:
        value = metadata.get(key)
        return int(value) if isinstance(value, int) and not isinstance(value, bool) else None

    architecture = str(metadata.get("general.architecture") or "unknown")
    tokens = metadata.get("tokenizer.ggml.tokens")
    vocab = number(f"{architecture}.vocab_size") or (len(tokens) if isinstance(tokens, GGUFArray) else None)
    return {
        "architecture": architecture,
        "params": header.params,
        "bytes": path.stat().st_size,
        "hidden_size": number(f"{architecture}.embedding_length"),
        "layers": number(f"{architecture}.block_count"),
        "vocab_size": vocab,
        "context_length": number(f"{architecture}.context_length"),
    }
