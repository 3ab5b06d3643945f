"""Distillation: turn an expensive teacher LLM into cheap, high-quality fine-tuning data.

``distill()`` is loaded on first use: importing it pulls in the whole engine (about two seconds), which
``import distillation.formats`` and other light imports should not pay for.

Example:
    >>> from distillation import distill  # doctest: +SKIP
    >>> distill("support", "seeds.jsonl", "You are a friendly support agent.")  # doctest: +SKIP
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from distillation.distill import DistillResult, adistill, distill

__all__ = ["DistillResult", "adistill", "distill"]


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module 'distillation' has no attribute {name!r}")
    module = importlib.import_module("distillation.distill")

    # Importing the submodule bound `distillation.distill` to the module; the function replaces it.
    globals().update({export: getattr(module, export) for export in __all__})
    return globals()[name]
