"""The offline token model: stages, judge lines and sizes of an estimate that sends no request."""

from __future__ import annotations

from decimal import Decimal

from distillation.pipeline import GenerationConfig, JudgePolicy
from distillation.pipeline.config import DEFAULT_ESCALATION_RATE
from distillation.pipeline.estimates import (
    TOKEN_MODELS,
    escalation_rate,
    human_cost,
    offline_pilots,
    offline_plan,
)


def config(**overrides: object) -> GenerationConfig:
    values: dict[str, object] = {
        "data_type": "qa",
        "count": 1000,
        "teacher": "openai:gpt-4o",
        "student": "openai:gpt-4o-mini",
    }
    values.update(overrides)
    return GenerationConfig.model_validate(values)


def test_the_default_margin_escalates_at_the_default_rate_and_a_wider_one_more() -> None:
    assert escalation_rate(1.0) == DEFAULT_ESCALATION_RATE
    assert escalation_rate(0.0) < escalation_rate(1.0) < escalation_rate(3.0)
    assert escalation_rate(10.0) == 1.0


def test_answers_follow_the_data_type_and_are_capped_by_max_tokens() -> None:
    qa, code = offline_pilots(config()), offline_pilots(config(data_type="code", max_tokens=1024))
    assert qa["seed"].output_tokens_per_row == TOKEN_MODELS["qa"].answer
    assert code["seed"].output_tokens_per_row == TOKEN_MODELS["code"].answer
    assert offline_pilots(config(max_tokens=64))["bulk"].output_tokens_per_row == 64


def test_the_plan_has_the_judge_policy_lines() -> None:
    plan = {stage.stage: stage for stage in offline_plan(config())}
    assert [plan[s].rows for s in ("seed", "policy", "bulk")] == [100, 1, 900]
    assert plan["judge"].model_id == "openai:gpt-4o"
    assert plan["judge: cheap"].model_id == "openai:gpt-4o-mini"
    # The cheap judge scores a quarter of the items the student tries (900 rows at 85% acceptance).
    assert plan["judge: cheap"].rows == round(900 / 0.85 * 0.25)
    assert plan["judge: escalated"].rows == round(900 / 0.85 * 0.25 * DEFAULT_ESCALATION_RATE)
    wider = {s.stage: s.rows for s in offline_plan(config(judge_policy=JudgePolicy(escalate_margin=3)))}
    assert wider["judge: escalated"] > plan["judge: escalated"].rows
    none = {s.stage for s in offline_plan(config(judge_policy=JudgePolicy(share=0)))}
    assert "judge: cheap" not in none


def test_human_cost_is_rows_times_the_rate() -> None:
    assert human_cost(2000, Decimal("0.50")) == Decimal(1000)
