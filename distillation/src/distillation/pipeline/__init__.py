"""The teacher→student pipeline: seed rows, task policy, bulk rows, validation, all resumable.

Stages, each declared by what it takes and gives:

* ``seed``: scenario index → one row written by the teacher (``config.seed_count`` of them).
* ``policy``: the seed rows → a :class:`~distillation.datatypes.TaskPolicy` (the teacher summarises).
* ``bulk``: scenario index + policy + exemplar seeds → one row written by the student.
* validation (inside each item): structure checks → judge scores → keep, fix or remove; then exact and
  near-duplicate checks against the rows already accepted.

Every request has a fingerprint; answers are cached by it, so a rerun of an interrupted or
budget-stopped run sends only the requests that have no answer yet. Every request of the library and
the service takes one path, :class:`PaidCalls` (:mod:`distillation.pipeline.calls`): fingerprint,
cache get, reserve, call, settle, cache put (the answer's own attempt is settled with the put).
"""

from distillation.pipeline.accounting import Accountant, BudgetExceeded, SpendingStopped
from distillation.pipeline.batching import (
    BATCH_STAGES,
    BATCH_WINDOW,
    BatchDelivery,
    BatchJournal,
    BatchProgress,
    Delivery,
    FileBatchJournal,
    batch_in_time,
)
from distillation.pipeline.build import build_engine, close_engine, resolve_domains, scenario_sampler
from distillation.pipeline.cache import Answer, JsonlCache, MemoryCache, ResponseCache
from distillation.pipeline.calls import Call, PaidCalls, item_seed
from distillation.pipeline.config import LOCAL_MODEL, GenerationConfig, JudgePolicy, item_key
from distillation.pipeline.engine import Engine, ItemResult, extract_policy, write_bulk, write_seed
from distillation.pipeline.reservations import Need
from distillation.pipeline.runner import Progress, RowSink, Runner
from distillation.pipeline.sinks import JsonlSink, MemorySink
from distillation.pipeline.types import (
    CallRecord,
    JudgingStats,
    LeverSaving,
    Provenance,
    Rejection,
    Row,
    RowStage,
    RunReport,
    Stage,
    StageStats,
)
from distillation.pipeline.validate import judge_row, validate_row

__all__ = [
    "BATCH_STAGES",
    "BATCH_WINDOW",
    "LOCAL_MODEL",
    "Accountant",
    "Answer",
    "BatchDelivery",
    "BatchJournal",
    "BatchProgress",
    "BudgetExceeded",
    "Call",
    "CallRecord",
    "Delivery",
    "Engine",
    "FileBatchJournal",
    "GenerationConfig",
    "ItemResult",
    "JsonlCache",
    "JsonlSink",
    "JudgePolicy",
    "JudgingStats",
    "LeverSaving",
    "MemoryCache",
    "MemorySink",
    "Need",
    "PaidCalls",
    "Progress",
    "Provenance",
    "Rejection",
    "ResponseCache",
    "Row",
    "RowSink",
    "RowStage",
    "RunReport",
    "Runner",
    "SpendingStopped",
    "Stage",
    "StageStats",
    "batch_in_time",
    "build_engine",
    "close_engine",
    "extract_policy",
    "item_key",
    "item_seed",
    "judge_row",
    "resolve_domains",
    "scenario_sampler",
    "validate_row",
    "write_bulk",
    "write_seed",
]
