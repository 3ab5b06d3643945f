"""The files of a run folder, and the record (``run.json``) that ties them together.

::

    <output>/
      run.json              settings, fingerprint, held-out row ids, status and result
      training_log.jsonl    loss per step, held-out loss per evaluation
      checkpoints/step-N/   resumable state (adapter, optimizer, schedule, RNG, loop position)
      adapter/              the LoRA adapter (peft format) and the tokenizer
      merged/               the base model with the adapter merged in (when asked for)
      gguf/                 the merged model as GGUF files and an Ollama Modelfile (when asked for)
      README.md             the model card
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from distillation.finetune.model import FinetuneError

RUN_FILE = "run.json"


@dataclass(frozen=True)
class RunPaths:
    """Where each output of the run in ``root`` goes."""

    root: Path

    @property
    def record(self) -> Path:
        """``run.json``."""
        return self.root / RUN_FILE

    @property
    def log(self) -> Path:
        """The training log."""
        return self.root / "training_log.jsonl"

    @property
    def checkpoints(self) -> Path:
        """Folder of the checkpoints."""
        return self.root / "checkpoints"

    @property
    def adapter(self) -> Path:
        """The final adapter."""
        return self.root / "adapter"

    @property
    def merged(self) -> Path:
        """The merged model."""
        return self.root / "merged"

    @property
    def gguf(self) -> Path:
        """The GGUF exports and the Ollama ``Modelfile``."""
        return self.root / "gguf"

    @property
    def card(self) -> Path:
        """The model card."""
        return self.root / "README.md"


def read_run(root: Path) -> dict[str, Any]:
    """The ``run.json`` of the run in ``root``.

    Raises:
        FinetuneError: ``root`` holds no run.
    """
    path = RunPaths(root).record
    if not path.is_file():
        raise FinetuneError(f"{root} holds no fine-tune run ({RUN_FILE} is missing)")
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def write_run(paths: RunPaths, record: dict[str, Any]) -> None:
    """Replace ``run.json`` atomically."""
    paths.root.mkdir(parents=True, exist_ok=True)
    partial = paths.record.with_suffix(".json.partial")
    partial.write_text(json.dumps(record, indent=2, default=str))
    os.replace(partial, paths.record)


def claim(paths: RunPaths, fingerprint: str, *, resume: bool, overwrite: bool) -> dict[str, Any] | None:
    """Make ``paths.root`` ready for this run; return its finished record when it already completed.

    A folder holding another run (other settings or other data) is refused unless ``overwrite``;
    ``resume=False`` or ``overwrite`` starts over, deleting the earlier outputs.

    Raises:
        FinetuneError: The folder holds another run and ``overwrite`` is False.
    """
    previous = read_run(paths.root) if paths.record.is_file() else None
    if previous is not None and previous.get("fingerprint") != fingerprint and not overwrite:
        raise FinetuneError(
            f"{paths.root} holds a run with other settings or data; choose another output folder or "
            "overwrite it"
        )
    if previous is None and paths.root.is_dir() and any(paths.root.iterdir()) and not overwrite:
        raise FinetuneError(f"{paths.root} is not empty and holds no run; choose an empty output folder")
    if overwrite or not resume or previous is None or previous.get("fingerprint") != fingerprint:
        for folder in (paths.checkpoints, paths.adapter, paths.merged, paths.gguf):
            shutil.rmtree(folder, ignore_errors=True)
        paths.log.unlink(missing_ok=True)
        return None
    done = previous.get("status") == "completed" and (paths.adapter / "adapter_config.json").is_file()
    return previous if done else None


def save_adapter(model: Any, tokenizer: Any, paths: RunPaths, base_name: str) -> None:
    """Write the adapter (and the tokenizer, so the folder is self-describing) to ``paths.adapter``."""
    shutil.rmtree(paths.adapter, ignore_errors=True)
    for peft_config in model.peft_config.values():
        peft_config.base_model_name_or_path = base_name  # not this machine's path to the weights
    model.save_pretrained(paths.adapter, save_embedding_layers=False)
    tokenizer.save_pretrained(paths.adapter)


def save_merged(model: Any, tokenizer: Any, paths: RunPaths) -> None:
    """Merge the adapter into the base weights and write the result (the model object is consumed)."""
    shutil.rmtree(paths.merged, ignore_errors=True)
    merged = model.merge_and_unload()
    merged.save_pretrained(paths.merged)
    tokenizer.save_pretrained(paths.merged)
