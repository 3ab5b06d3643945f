"""Checkpoints: the adapter, optimizer, schedule, RNG and loop position, written atomically.

A checkpoint is written to a temporary folder and renamed into place, so a crash while saving leaves
the previous checkpoint intact. Each one records the run fingerprint (settings + data); a run only
resumes from checkpoints with its own fingerprint.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from distillation.finetune.batches import Position
from distillation.finetune.model import require

_PREFIX = "step-"


@dataclass
class LoopState:
    """Progress of the training loop, saved with each checkpoint.

    Attributes:
        step: Optimizer steps done.
        position: Where the row stream stands after the last step.
        tokens: Non-padding tokens seen by the forward passes.
        trained_tokens: Tokens the loss was computed on.
        train_seconds: Time spent in training steps (not evaluation or saving), over every session.
        last_loss: Loss of the last step.
        last_eval_loss: The last held-out loss.
        last_grad_norm: The gradient's norm (before clipping) at the last step.
    """

    step: int = 0
    position: Position = field(default_factory=Position)
    tokens: int = 0
    trained_tokens: int = 0
    train_seconds: float = 0.0
    last_loss: float | None = None
    last_eval_loss: float | None = None
    last_grad_norm: float | None = None

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {**asdict(self), "position": asdict(self.position)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LoopState:
        """The state saved by :meth:`to_json`."""
        return cls(**{**data, "position": Position(**data["position"])})


class CheckpointStore:
    """The checkpoints of one run under ``root`` (``step-000012/``...), newest last.

    Args:
        root: Folder of the checkpoints.
        fingerprint: The run's fingerprint; checkpoints of other runs are ignored.
        keep: How many checkpoints to keep.
    """

    def __init__(self, root: Path, fingerprint: str, keep: int = 2) -> None:
        self.root, self.fingerprint, self.keep = root, fingerprint, keep

    def all(self) -> list[Path]:
        """Complete checkpoints of this run, oldest first."""
        if not self.root.is_dir():
            return []
        found = []
        for path in sorted(self.root.glob(f"{_PREFIX}*")):
            state = path / "state.json"
            if state.is_file() and json.loads(state.read_text())["fingerprint"] == self.fingerprint:
                found.append(path)
        return found

    def latest(self) -> Path | None:
        """The newest checkpoint of this run, if any."""
        found = self.all()
        return found[-1] if found else None

    def foreign(self) -> bool:
        """True when ``root`` holds checkpoints of another run."""
        if not self.root.is_dir():
            return False
        return any((p / "state.json").is_file() for p in self.root.glob(f"{_PREFIX}*")) and not self.all()

    def save(self, model: Any, optimizer: Any, scheduler: Any, state: LoopState) -> Path:
        """Write a checkpoint for ``state.step`` and delete the oldest beyond ``keep``."""
        torch = require("torch")
        final = self.root / f"{_PREFIX}{state.step:06d}"
        partial = self.root / f".partial-{final.name}"
        shutil.rmtree(partial, ignore_errors=True)
        model.save_pretrained(partial, save_embedding_layers=False)
        torch.save(optimizer.state_dict(), partial / "optimizer.pt")
        torch.save(scheduler.state_dict(), partial / "scheduler.pt")
        torch.save(_rng_state(torch), partial / "rng.pt")
        body = {"fingerprint": self.fingerprint, "state": state.to_json()}
        (partial / "state.json").write_text(json.dumps(body, indent=2))
        shutil.rmtree(final, ignore_errors=True)
        partial.rename(final)
        for old in self.all()[: -self.keep]:
            shutil.rmtree(old, ignore_errors=True)
        return final

    def load(self, path: Path, model: Any, optimizer: Any, scheduler: Any) -> LoopState:
        """Restore the adapter, optimizer, schedule and RNG from ``path``; return the loop state."""
        torch, peft = require("torch"), require("peft")
        safetensors = require("safetensors.torch")
        weights = safetensors.load_file(str(path / "adapter_model.safetensors"), device=str(model.device))
        peft.set_peft_model_state_dict(model, weights)
        optimizer.load_state_dict(torch.load(path / "optimizer.pt", weights_only=True))
        scheduler.load_state_dict(torch.load(path / "scheduler.pt", weights_only=True))
        _set_rng_state(torch, torch.load(path / "rng.pt", weights_only=True))
        return LoopState.from_json(json.loads((path / "state.json").read_text())["state"])


def _rng_state(torch: Any) -> dict[str, Any]:
    state = {"cpu": torch.get_rng_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def _set_rng_state(torch: Any, state: dict[str, Any]) -> None:
    torch.set_rng_state(state["cpu"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])
