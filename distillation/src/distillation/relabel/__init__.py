"""Relabel: the teacher answers the user's own prompts (a prompt set), with the generation pipeline's
paid-call path, budget, checks, judge and resume. See :mod:`distillation.relabel.run`; the student-first
cascade and its pilot: :mod:`distillation.relabel.cascade`.
"""

from distillation.relabel.cascade import (
    PILOT_THRESHOLDS,
    STUDENT_STAGE,
    Cascade,
    CascadeReport,
    CascadeTrace,
    PathQuality,
    PilotReport,
    ThresholdOption,
    cascade_report,
    pilot_report,
)
from distillation.relabel.run import (
    Relabeler,
    RelabelProgress,
    pilot_cascade,
    prompt_keys,
    relabel_config,
)
from distillation.relabel.types import (
    RELABEL_STAGE,
    JsonlRelabelSink,
    MemoryRelabelSink,
    RelabelReport,
    RelabelRow,
    RelabelSink,
)

__all__ = [
    "PILOT_THRESHOLDS",
    "RELABEL_STAGE",
    "STUDENT_STAGE",
    "Cascade",
    "CascadeReport",
    "CascadeTrace",
    "JsonlRelabelSink",
    "MemoryRelabelSink",
    "PathQuality",
    "PilotReport",
    "RelabelProgress",
    "RelabelReport",
    "RelabelRow",
    "RelabelSink",
    "Relabeler",
    "ThresholdOption",
    "cascade_report",
    "pilot_cascade",
    "pilot_report",
    "prompt_keys",
    "relabel_config",
]
