"""The recording functions the job engine calls: what they count, and how they keep labels bounded."""

from __future__ import annotations

import logging
import uuid
from decimal import Decimal

import pytest
from prometheus_client import REGISTRY

from app.observability.metrics import (
    observe_judge_score,
    record_duplicate,
    record_item,
    record_provider_attempt,
    record_rejection,
)


def value(name: str, **labels: str) -> float:
    """The current value of one sample of the default registry (0 when it does not exist yet)."""
    return REGISTRY.get_sample_value(name, labels) or 0.0


def attempt(model: str, **overrides: object) -> None:
    """Record an attempt of ``model`` with typical values, changed by ``overrides``."""
    values: dict[str, object] = {
        "provider": "openai",
        "model": model,
        "stage": "bulk",
        "outcome": "ok",
        "latency_s": 1.5,
        "input_tokens": 100,
        "output_tokens": 40,
        "cost_usd": Decimal("0.0123"),
        "dataset": "6f1c7e1a-1b1d-4c5e-9a51-0d7b3c9e2a10",
    }
    values.update(overrides)
    record_provider_attempt(**values)  # type: ignore[arg-type]


def test_an_attempt_counts_its_outcome_latency_tokens_and_cost() -> None:
    model = f"m-{uuid.uuid4().hex[:8]}"
    dataset = str(uuid.uuid4())
    attempt(model, dataset=dataset, teacher_equivalent_usd=Decimal("0.1"))
    attempt(
        model, dataset=dataset, outcome="server_error", input_tokens=0, output_tokens=0, cost_usd=Decimal(0)
    )

    names = {"provider": "openai", "model": model}
    assert value("distillery_provider_requests_total", **names, outcome="ok") == 1
    assert value("distillery_provider_requests_total", **names, outcome="server_error") == 1
    assert value("distillery_provider_request_duration_seconds_count", **names) == 2
    assert value("distillery_provider_request_duration_seconds_bucket", **names, le="1.28") == 0
    assert value("distillery_provider_request_duration_seconds_bucket", **names, le="2.56") == 2
    assert value("distillery_provider_tokens_total", **names, stage="bulk", direction="input") == 100
    assert value("distillery_provider_tokens_total", **names, stage="bulk", direction="output") == 40
    cost = value("distillery_provider_cost_usd_total", **names, stage="bulk", dataset=dataset)
    assert cost == pytest.approx(0.0123)
    assert value("distillery_teacher_equivalent_cost_usd_total", stage="bulk", dataset=dataset) == 0.1
    assert value("distillery_provider_retries_total", **names) == 0


def test_an_attempt_of_unknown_cost_is_counted_apart_never_as_zero() -> None:
    model = f"m-{uuid.uuid4().hex[:8]}"
    dataset = str(uuid.uuid4())
    attempt(model, dataset=dataset, outcome="timeout", latency_s=None, cost_usd=None, input_tokens=0)
    names = {"provider": "openai", "model": model, "stage": "bulk"}
    assert value("distillery_provider_unknown_cost_requests_total", **names) == 1
    assert (
        REGISTRY.get_sample_value("distillery_provider_cost_usd_total", {**names, "dataset": dataset}) is None
    )
    assert value("distillery_provider_request_duration_seconds_count", provider="openai", model=model) == 0


def test_attempts_after_the_first_count_as_retries() -> None:
    model = f"m-{uuid.uuid4().hex[:8]}"
    for number in (1, 2, 3):
        attempt(model, attempt=number, outcome="rate_limited" if number < 3 else "ok")
    assert value("distillery_provider_retries_total", provider="openai", model=model) == 2
    assert (
        value("distillery_provider_requests_total", provider="openai", model=model, outcome="rate_limited")
        == 2
    )


@pytest.mark.parametrize(
    ("overrides", "label", "expected"),
    [
        ({"stage": "Stage from a user"}, "stage", "other"),
        ({"outcome": "HTTP 418 from https://api.example.com"}, "outcome", "other"),
        ({"outcome": "Rate-Limited"}, "outcome", "rate_limited"),
        ({"provider": "sk-live 0123456789abcdef"}, "provider", "other"),
        ({"model": "/srv/models/student.gguf"}, "model", "other"),
        ({"model": "../../etc/passwd"}, "model", "other"),
        ({"model": "meta-llama/Llama-3.1-8B-Instruct"}, "model", "meta-llama/Llama-3.1-8B-Instruct"),
        ({"dataset": "my dataset name"}, "dataset", "other"),
        ({"dataset": ""}, "dataset", "none"),
    ],
)
def test_label_values_outside_their_bounded_sets_are_mapped(
    overrides: dict[str, str], label: str, expected: str
) -> None:
    model = overrides.get("model", f"m-{uuid.uuid4().hex[:8]}")
    before = _provider_samples()
    attempt(model, **{k: v for k, v in overrides.items() if k != "model"})
    changed = [labels for labels, amount in _provider_samples().items() if amount != before.get(labels)]
    assert {dict(labels)[label] for _, labels in changed if label in dict(labels)} == {expected}


def _provider_samples() -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of the provider metrics, by name and labels."""
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in REGISTRY.collect()
        if family.name.startswith("distillery_provider_")
        for s in family.samples
        if not s.name.endswith("_created")
    }


def test_items_rejections_and_duplicates_take_only_their_fixed_values() -> None:
    before = {
        "accepted": value("distillery_items_total", stage="judge", outcome="accepted"),
        "other_item": value("distillery_items_total", stage="judge", outcome="other"),
        "near": value("distillery_rejections_total", stage="judge", reason="near_duplicate"),
        "other_reason": value("distillery_rejections_total", stage="judge", reason="other"),
        "exact": value("distillery_duplicates_total", kind="exact"),
        "other_kind": value("distillery_duplicates_total", kind="other"),
    }
    record_item(stage="judge", outcome="accepted")
    record_item(stage="judge", outcome="kept after a long story")
    record_rejection(stage="judge", reason="Near-duplicate")
    record_rejection(stage="judge", reason="score 3.20 < remove_below 5.0")
    record_duplicate(kind="exact")
    record_duplicate(kind="similar-ish")

    assert value("distillery_items_total", stage="judge", outcome="accepted") == before["accepted"] + 1
    assert value("distillery_items_total", stage="judge", outcome="other") == before["other_item"] + 1
    assert value("distillery_rejections_total", stage="judge", reason="near_duplicate") == before["near"] + 1
    assert value("distillery_rejections_total", stage="judge", reason="other") == before["other_reason"] + 1
    assert value("distillery_duplicates_total", kind="exact") == before["exact"] + 1
    assert value("distillery_duplicates_total", kind="other") == before["other_kind"] + 1


def test_judge_scores_are_clamped_to_zero_to_ten_and_nan_is_ignored() -> None:
    count = value("distillery_judge_score_count", stage="fix")
    low = value("distillery_judge_score_bucket", stage="fix", le="0.5")
    top = value("distillery_judge_score_bucket", stage="fix", le="10.0")
    for score in (-3.0, 14.0, float("nan"), 6.2):
        observe_judge_score(stage="fix", score=score)
    assert value("distillery_judge_score_count", stage="fix") == count + 3
    assert value("distillery_judge_score_bucket", stage="fix", le="0.5") == low + 1  # -3 counts as 0
    assert value("distillery_judge_score_bucket", stage="fix", le="10.0") == top + 3  # 14 counts as 10


def test_a_negative_cost_is_refused_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    model = f"m-{uuid.uuid4().hex[:8]}"
    dataset = str(uuid.uuid4())
    with caplog.at_level(logging.WARNING, logger="app.observability.metrics"):
        attempt(model, dataset=dataset, cost_usd=Decimal("-1"))
    labels = {"provider": "openai", "model": model, "stage": "bulk", "dataset": dataset}
    assert REGISTRY.get_sample_value("distillery_provider_cost_usd_total", labels) is None
    assert value("distillery_provider_requests_total", provider="openai", model=model, outcome="ok") == 1
    assert "ignored a cost of -1" in caplog.text
