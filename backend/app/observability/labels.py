"""Label values for the metrics: every label takes values from a bounded set.

A Prometheus series exists for every distinct label combination, forever, so a label must never carry
ids of items or jobs, free text, paths or secrets. Values that come from code (stages, outcomes,
reasons) are checked against the fixed sets below and anything else becomes ``other``; values that
come from configuration (provider and model names) are checked for shape; the one id label,
``dataset``, is bounded by the number of datasets and must parse as a UUID.
"""

from __future__ import annotations

import re
import uuid

from distillation.pipeline import Stage
from distillation.providers import Outcome

OTHER = "other"
NO_DATASET = "none"

STAGES = frozenset({*Stage, "dedup", "quality", "finetune", "eval"})
# How one provider attempt ended: the library's outcomes, plus "output_error" for answers the engine
# could not use after the provider returned them.
PROVIDER_OUTCOMES = frozenset({o.value for o in Outcome} | {"output_error"})
ITEM_OUTCOMES = frozenset({"accepted", "rejected", "failed", "fixed", "removed"})
REJECTION_REASONS = frozenset(
    {
        "structure",  # failed the data type's structure checks
        "judge",  # the judge scored it below the removal threshold
        "judge_error",  # the judge's answer could not be parsed
        "fix_failed",  # a rewrite of a low scorer did not pass either
        "duplicate",
        "near_duplicate",
        "output_error",  # the model's answer was unusable (length, content filter, invalid JSON)
        "provider_error",  # the call failed after every retry
    }
)
DUPLICATE_KINDS = frozenset({"exact", "near"})
TOKEN_DIRECTIONS = ("input", "output")

_PROVIDER = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
# Model names as providers spell them: "gpt-4o-mini", "llama3.1:8b", "meta-llama/Llama-3.1-8B".
_MODEL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/@+-]{0,127}$")


def normalize(value: str) -> str:
    """Lower case with ``_`` for spaces and dashes: "Near-duplicate" and "near_duplicate" match."""
    return re.sub(r"[\s-]+", "_", value.strip().lower())


def one_of(value: str, allowed: frozenset[str]) -> str:
    """``value`` (normalized) when it is in ``allowed``, else ``other``."""
    value = normalize(value)
    return value if value in allowed else OTHER


def provider_label(provider: str) -> str:
    """A provider name such as ``openai`` or ``openai-compatible``; anything odd becomes ``other``."""
    return provider if _PROVIDER.match(provider) else OTHER


def model_label(model: str) -> str:
    """A model name as the provider spells it; paths, spaces and overlong names become ``other``."""
    if not _MODEL.match(model) or ".." in model or model.endswith((".gguf", ".bin", ".safetensors")):
        return OTHER
    return model


def dataset_label(dataset: str | uuid.UUID | None) -> str:
    """A dataset id in its canonical form, ``none`` for work outside a dataset, ``other`` if not an id."""
    if dataset is None or dataset == "":
        return NO_DATASET
    try:
        return str(dataset if isinstance(dataset, uuid.UUID) else uuid.UUID(dataset))
    except ValueError:
        return OTHER
