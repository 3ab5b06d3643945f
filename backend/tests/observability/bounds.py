"""What a bounded label value looks like, label by label (the check behind the cardinality tests)."""

from __future__ import annotations

import math
import re

from prometheus_client.parser import text_string_to_metric_families

from app.models import JobKind, JobStatus
from app.observability.labels import (
    DUPLICATE_KINDS,
    ITEM_OUTCOMES,
    OTHER,
    PROVIDER_OUTCOMES,
    REJECTION_REASONS,
    STAGES,
    TOKEN_DIRECTIONS,
)
from app.observability.worker import TASK_STATES
from app.worker.app import QUEUES

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)
SHORT = re.compile(r"^[\w.+-]{1,32}$")

ENUMS: dict[str, frozenset[str]] = {
    "method": frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}),
    "queue": frozenset(QUEUES),
    "kind": frozenset({k.value for k in JobKind}) | DUPLICATE_KINDS | {OTHER},
    "outcome": PROVIDER_OUTCOMES | ITEM_OUTCOMES | {OTHER},
    "stage": STAGES | {OTHER},
    "reason": REJECTION_REASONS | {OTHER},
    "direction": frozenset(TOKEN_DIRECTIONS),
    "state": TASK_STATES | {OTHER},
    "scope": frozenset({"global", "dataset"}),
    "source": frozenset({"database", "broker"}),
    "generation": frozenset({"0", "1", "2"}),  # the Python garbage collector's generations
}
PATTERNS: dict[str, re.Pattern[str]] = {
    "status": re.compile(r"^(\d{3}|" + "|".join(s.value for s in JobStatus) + ")$"),
    "provider": re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$"),
    "model": re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/@+-]{0,127}$"),
    # python_info
    "implementation": SHORT,
    "major": SHORT,
    "minor": SHORT,
    "patchlevel": SHORT,
    "version": SHORT,
}


def unbounded_labels(text: str, *, routes: set[str], tasks: set[str]) -> list[str]:
    """Every label value in a /metrics text that is not from a bounded set, with the reason."""
    problems = []
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            for label, value in sample.labels.items():
                problem = _problem(label, value, routes, tasks)
                if problem:
                    problems.append(f"{sample.name}{{{label}={value!r}}}: {problem}")
    return problems


def _problem(label: str, value: str, routes: set[str], tasks: set[str]) -> str | None:
    if label == "dataset":
        return None if value in {"none", OTHER} or _is_uuid(value) else "not a dataset id"
    if UUID.search(value):
        return "carries an id"
    if label == "route":
        return None if value in routes else "not a route template"
    if value.startswith("/") or "\\" in value or ".." in value:
        return "looks like a path"
    if label == "le":
        return None if value == "+Inf" or math.isfinite(float(value)) else "not a bucket bound"
    if label == "task":
        return None if value in tasks | {OTHER} else "not a registered task"
    if label in ENUMS:
        return None if value in ENUMS[label] else f"not one of {sorted(ENUMS[label])}"
    if label in PATTERNS:
        return None if PATTERNS[label].match(value) else "unexpected shape"
    return "a label this test does not know to be bounded: add it here with its bounded values"


def _is_uuid(value: str) -> bool:
    return bool(UUID.fullmatch(value))
