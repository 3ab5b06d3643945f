"""``tuned:<run id>`` in the service: the library's ``tuned`` provider, reading the run's own folder.

The library's ``tuned:<folder>`` would read any folder on the machine; the service names runs by id
only, so a caller can reach nothing but the runs the platform trained.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from app.core.config import Settings
from distillation.providers import ConfigurationError, Credentials, register_provider
from distillation.providers.adapters.tuned import TunedAdapter

TUNED = "tuned"


def tuned_run_dir(settings: Settings, model: str) -> Path:
    """The run folder of ``tuned:<model>`` (``model`` is a run id).

    Raises:
        ConfigurationError: ``model`` is not a run id.
    """
    from app.finetune.runner import (
        run_folder,  # the runner imports the providers' service, which imports this
    )

    try:
        run_id = uuid.UUID(model)
    except ValueError as exc:
        raise ConfigurationError(
            f"tuned models are named by run id here: tuned:<run id>, not {model!r}"
        ) from exc
    return run_folder(settings, run_id) / "run"


def register_tuned(settings: Settings) -> None:
    """Make ``tuned:<run id>`` answer from the run's folder under ``settings.data_dir``."""

    def make(model: str, credentials: Credentials, options: Mapping[str, Any]) -> TunedAdapter:
        kept = {k: v for k, v in options.items() if k in ("backend", "device", "n_ctx", "n_threads")}
        return TunedAdapter(model, run_dir=tuned_run_dir(settings, model), **kept)

    register_provider(TUNED, make)
