"""The base models a fine-tune may start from, as this machine has them: nothing is downloaded.

Three places: the bundled model, the models in the local Hugging Face cache (``huggingface_hub``'s scan
of it), and the folders and ``.gguf`` files directly inside ``FINETUNE_MODELS_DIR``. The API names them
by id only (``local:smollm2-135m``, ``org/name``, ``dir:<name>``), so a request can reach no other path.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from pathlib import Path

from app.core.config import Settings
from app.core.errors import BadRequest
from distillation.finetune import (
    BUNDLED_BASE_MODEL,
    BaseModelInfo,
    FinetuneError,
    describe_base_model,
    hub_cache_dir,
)

log = logging.getLogger(__name__)
DIR_PREFIX = "dir:"


@dataclass(frozen=True)
class BaseModelEntry:
    """One base model on offer: the id the API shows, and the reference the library resolves."""

    id: str
    label: str
    reference: str


@dataclass(frozen=True)
class Accelerator:
    """What the GPU-only training options need, as this process sees it."""

    cuda: bool
    bf16: bool
    qlora: bool


def models_dir(settings: Settings) -> Path:
    """``FINETUNE_MODELS_DIR``, else ``DATA_DIR/models``."""
    return settings.finetune_models_dir or settings.data_dir / "models"


def entries(settings: Settings) -> list[BaseModelEntry]:
    """Every base model on offer, the bundled one first (reads folder listings only, no weights)."""
    found = [BaseModelEntry(BUNDLED_BASE_MODEL, "Bundled SmolLM2-135M-Instruct", BUNDLED_BASE_MODEL)]
    found += [BaseModelEntry(model_id, model_id, model_id) for model_id in _cached_model_ids()]
    folder = models_dir(settings)
    if folder.is_dir():
        for path in sorted(folder.iterdir()):
            if (path.is_dir() and (path / "config.json").is_file()) or (
                path.is_file() and path.suffix == ".gguf"
            ):
                found.append(BaseModelEntry(f"{DIR_PREFIX}{path.name}", path.name, str(path.resolve())))
    return found


def _cached_model_ids() -> list[str]:
    """Model repos in the local Hugging Face cache whose main snapshot has a ``config.json``."""
    from huggingface_hub import CacheNotFound, scan_cache_dir

    try:
        cache = scan_cache_dir(hub_cache_dir())
    except CacheNotFound:
        return []
    ids = []
    for repo in cache.repos:
        if repo.repo_type != "model":
            continue
        main = next((r for r in repo.revisions if "main" in r.refs), None)
        if main is not None and any(f.file_name == "config.json" for f in main.files):
            ids.append(repo.repo_id)
    return sorted(ids)


def resolve(settings: Settings, model_id: str) -> str:
    """The library reference of the base model the API calls ``model_id``.

    Raises:
        BadRequest: ``model_id`` is not one of :func:`entries` (a path is never taken from the API).
    """
    for entry in entries(settings):
        if entry.id == model_id:
            return entry.reference
    raise BadRequest(
        f"base model {model_id!r} is not available here; choose one GET /api/v1/finetune/base-models "
        "lists (the bundled model, a model in the local Hugging Face cache, or one in FINETUNE_MODELS_DIR)"
    )


async def describe(entry: BaseModelEntry, batch_size: int, max_seq_length: int) -> BaseModelInfo | None:
    """The model's size and estimates from its headers; None (logged) when they cannot be read."""
    try:
        return await asyncio.to_thread(
            describe_base_model, entry.reference, batch_size=batch_size, max_seq_length=max_seq_length
        )
    except (FinetuneError, OSError, ValueError, KeyError) as exc:
        log.warning("base model %s cannot be described: %s", entry.id, exc)
        return None


def accelerator() -> Accelerator:
    """Whether CUDA, bf16 and 4-bit QLoRA are available to training in this process."""
    from distillation.finetune import qlora_available

    try:
        import torch
    except ImportError:
        return Accelerator(cuda=False, bf16=False, qlora=False)
    cuda = bool(torch.cuda.is_available())
    return Accelerator(cuda=cuda, bf16=cuda and bool(torch.cuda.is_bf16_supported()), qlora=qlora_available())
