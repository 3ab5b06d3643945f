"""Relabel: the teacher answers the user's own prompts (a prompt set), with the generation pipeline's
paid-call path, budget, checks, judge and resume. See :mod:`distillation.relabel.run`.
"""

from distillation.relabel.run import Relabeler, RelabelProgress, prompt_keys, relabel_config
from distillation.relabel.types import (
    RELABEL_STAGE,
    JsonlRelabelSink,
    MemoryRelabelSink,
    RelabelReport,
    RelabelRow,
    RelabelSink,
)

__all__ = [
    "RELABEL_STAGE",
    "JsonlRelabelSink",
    "MemoryRelabelSink",
    "RelabelProgress",
    "RelabelReport",
    "RelabelRow",
    "RelabelSink",
    "Relabeler",
    "prompt_keys",
    "relabel_config",
]
