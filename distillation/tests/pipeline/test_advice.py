"""Model-pair advice: only priced models, cheaper than the teacher, ranked by the planned job's saving."""

from __future__ import annotations

from decimal import Decimal

import pytest

from distillation.cost import PriceOverride, PriceTable
from distillation.pipeline.advice import Candidate, advise, catalogue, structured_output
from distillation.pipeline.config import GenerationConfig
from distillation.pipeline.estimates import offline_estimate

TEACHER = "openai:teacher-x"
PRICES = PriceTable(
    [
        PriceOverride(model=TEACHER, input=Decimal("10"), output=Decimal("30")),
        PriceOverride(model="openai:cheap", input=Decimal("0.1"), output=Decimal("0.4")),
        PriceOverride(model="openai:mid", input=Decimal("1"), output=Decimal("4")),
        PriceOverride(model="openai:dear", input=Decimal("20"), output=Decimal("60")),
        PriceOverride(model="anthropic:cheaper-elsewhere", input=Decimal("0.05"), output=Decimal("0.2")),
    ]
)
POOL = [
    Candidate(TEACHER, 128_000),
    Candidate("openai:cheap", 16_000),
    Candidate("openai:mid", 1_000_000),
    Candidate("openai:dear", 128_000),
    Candidate("openai:gone", 128_000, deprecated=True),
    Candidate("openai-compatible:unpriced", None),
    Candidate("anthropic:cheaper-elsewhere", None),
]


def test_students_are_cheaper_priced_models_the_teachers_key_serves_first_best_saving_first() -> None:
    advice = advise(TEACHER, PRICES, data_type="qa", count=200, candidates=POOL)

    assert [s.model_id for s in advice.students] == [
        "openai:cheap",
        "openai:mid",
        "anthropic:cheaper-elsewhere",
    ]
    cheap = advice.students[0]
    config = GenerationConfig(data_type="qa", count=200, teacher=TEACHER, student="openai:cheap")
    _, expected = offline_estimate(config, PRICES)
    assert (cheap.estimated_cost, cheap.teacher_only, cheap.savings) == (
        expected.actual,
        expected.teacher_only,
        expected.savings,
    )
    assert cheap.savings_percent == expected.savings_percent
    assert cheap.savings > advice.students[1].savings
    assert Decimal(0) < cheap.price_ratio < Decimal("0.02")


def test_unknown_facts_are_said_not_guessed() -> None:
    advice = advise(TEACHER, PRICES, data_type="qa", count=200, candidates=POOL)
    by_id = {s.model_id: s for s in advice.students}

    assert by_id["openai:cheap"].notes == (
        "smaller context than the teacher (16,000 tokens)",
        "schema-constrained output unknown: answers are validated and re-asked",
    )
    other = by_id["anthropic:cheaper-elsewhere"]
    assert other.context_window is None
    assert other.structured_output is None
    assert other.notes[:2] == ("needs a key for anthropic besides the teacher's", "context window unknown")


def test_judges_are_priced_as_the_cheap_judge_with_the_best_student() -> None:
    advice = advise(TEACHER, PRICES, data_type="classification", count=500, candidates=POOL)

    assert [j.model_id for j in advice.judges] == [
        "openai:cheap",
        "openai:mid",
        "anthropic:cheaper-elsewhere",
    ]
    mid = next(j for j in advice.judges if j.model_id == "openai:mid")
    config = GenerationConfig(
        data_type="classification",
        count=500,
        teacher=TEACHER,
        student="openai:cheap",
        judge_policy={"cheap_judge": "openai:mid"},
    )
    assert mid.estimated_cost == offline_estimate(config, PRICES)[1].actual


def test_a_teacher_without_a_price_or_id_is_refused() -> None:
    with pytest.raises(ValueError, match="no price for the teacher"):
        advise("openai-compatible:mine", PRICES, candidates=POOL)
    with pytest.raises(ValueError, match="not a provider:model id"):
        advise("gpt-4o", PRICES, candidates=POOL)


def test_the_bundled_catalogue_lists_only_priced_chat_models() -> None:
    prices = PriceTable.load(None)
    models = {c.model_id for c in catalogue(prices, ["openai-compatible:unpriced", "local:smollm2-135m"])}

    assert {"openai:gpt-4o-mini", "anthropic:claude-3-haiku"} <= models
    assert "local:smollm2-135m" in models  # free models have a price: $0
    assert "openai-compatible:unpriced" not in models
    assert not any(word in m for m in models for word in ("tts", "embedding", "audio", "image", "gpt-oss"))
    assert all(prices.price_for(m) is not None for m in models)


def test_a_free_student_is_not_suggested_against_a_free_teacher() -> None:
    advice = advise(
        "local:smollm2-135m", PriceTable.load(None), count=50, candidates=[Candidate("local:other")]
    )

    assert advice.students == ()
    assert advice.judges == ()


def test_structured_output_support_is_told_where_the_providers_document_it() -> None:
    assert structured_output("openai:gpt-4o-mini") == "native"
    assert structured_output("openai:gpt-4o-2024-05-13") == "none"
    assert structured_output("openai:gpt-3.5-turbo") == "none"
    assert structured_output("anthropic:claude-3-haiku") == "native"
    assert structured_output("google:gemini-2.5-flash") == "native"
    assert structured_output("google:gemini-pro") is None
    assert structured_output("openai-compatible:mine") is None


def test_the_overrides_models_are_in_the_catalogue() -> None:
    prices = PriceTable(
        [PriceOverride(model="openai-compatible:mine", input=Decimal("0.01"), output=Decimal("0.02"))]
    )

    models = {c.model_id: c for c in catalogue(prices)}

    assert models["openai-compatible:mine"].context_window is None
    advice = advise("openai:gpt-4o", prices, count=100, limit=50)
    assert "openai-compatible:mine" in [s.model_id for s in advice.students]
