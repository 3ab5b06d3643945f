"""The teacher-only counterfactual and the levers that split the saving."""

from __future__ import annotations

from decimal import Decimal

from distillation.cost import PriceTable, SavingsBreakdown, StageUsage, TokenUsage, savings_breakdown

TEACHER, STUDENT = "openai:gpt-4o", "openai:gpt-4o-mini"
PRICES = PriceTable.load(None)


def at(model: str, input_tokens: int, output_tokens: int, calls: int = 1) -> Decimal:
    cost = PRICES.cost_of(model, TokenUsage(input_tokens * calls, output_tokens * calls))
    assert cost is not None
    return cost


def usage(stage: str, model: str, input_tokens: int, output_tokens: int, calls: int) -> StageUsage:
    total = TokenUsage(input_tokens * calls, output_tokens * calls)
    return StageUsage(stage, model, total, PRICES.cost_of(model, total), calls)


def test_the_teacher_writes_every_row_like_its_seeds_and_judges_every_row() -> None:
    usages = [
        usage("seed", TEACHER, 300, 200, 2),
        usage("policy", TEACHER, 2000, 300, 1),
        usage("bulk", STUDENT, 900, 200, 18),
        usage("judge", TEACHER, 1000, 80, 2),
        usage("judge", STUDENT, 1000, 80, 5),
        usage("fix", TEACHER, 500, 200, 1),
    ]
    result = savings_breakdown(
        usages, PRICES, teacher_model_id=TEACHER, judge_model_id=TEACHER, baseline_judge_calls=20
    )

    # 20 rows written as the seeds were, 20 strong judgements, the fix as it was; no policy.
    teacher_only = at(TEACHER, 300, 200, 20) + at(TEACHER, 1000, 80, 20) + at(TEACHER, 500, 200)
    actual = sum((u.cost or Decimal(0) for u in usages), Decimal(0))
    assert result.teacher_only == teacher_only
    assert result.actual == actual
    assert result.savings == teacher_only - actual
    levers = {lever.name: lever.saved for lever in result.levers}
    assert levers["judge policy"] == at(TEACHER, 1000, 80, 20) - at(TEACHER, 1000, 80, 2) - at(
        STUDENT, 1000, 80, 5
    )
    assert levers["batch"] == levers["prompt caching"] == 0
    assert sum(saved or Decimal(0) for saved in levers.values()) == result.savings


def test_an_unpriced_model_makes_the_saving_unknown_not_wrong() -> None:
    usages = [usage("seed", TEACHER, 300, 200, 2), usage("bulk", STUDENT, 900, 200, 8)]
    usages.append(StageUsage("judge", "openai-compatible:house", TokenUsage(1000, 80), None, 3))
    result = savings_breakdown(
        usages, PRICES, teacher_model_id=TEACHER, judge_model_id=TEACHER, baseline_judge_calls=10
    )
    assert (result.teacher_only, result.savings, result.savings_percent) == (None, None, None)
    assert result.unknown_models == ("openai-compatible:house",)


def test_a_free_teacher_has_no_percentage() -> None:
    usages = [
        usage("seed", "local:smollm2-135m", 300, 200, 2),
        usage("bulk", "local:smollm2-135m", 900, 200, 8),
    ]
    result = savings_breakdown(
        usages,
        PRICES,
        teacher_model_id="local:smollm2-135m",
        judge_model_id="local:smollm2-135m",
        baseline_judge_calls=0,
    )
    assert result.teacher_only == result.actual == 0
    assert result.savings_percent is None


def test_batched_calls_save_the_batch_lever_and_leave_the_others_at_their_online_price() -> None:
    def batched(stage: str, model: str, input_tokens: int, output_tokens: int, calls: int) -> StageUsage:
        total = TokenUsage(input_tokens * calls, output_tokens * calls)
        online, cost = PRICES.cost_of(model, total), PRICES.cost_of(model, total, batch=True)
        assert online is not None
        assert cost is not None
        return StageUsage(stage, model, total, cost, calls, batch_saved=online - cost)

    rows = [("seed", TEACHER, 300, 200, 2), ("bulk", STUDENT, 900, 200, 18), ("judge", STUDENT, 1000, 80, 20)]
    kwargs = {"teacher_model_id": TEACHER, "judge_model_id": TEACHER, "baseline_judge_calls": 20}
    online = savings_breakdown([usage(*row) for row in rows], PRICES, **kwargs)  # type: ignore[arg-type]
    result = savings_breakdown([batched(*row) for row in rows], PRICES, **kwargs)  # type: ignore[arg-type]

    levers = {lever.name: lever.saved for lever in result.levers}
    assert online.actual is not None
    assert result.actual is not None
    assert levers["batch"] == online.actual - result.actual == online.actual / 2
    assert levers["student split"] == {lever.name: lever.saved for lever in online.levers}["student split"]
    assert sum(saved or Decimal(0) for saved in levers.values()) == result.savings


def test_cached_input_saves_the_caching_lever_and_the_counterfactual_caches_nothing() -> None:
    def cached(stage: str, model: str, calls: int, hits: int) -> StageUsage:
        total = TokenUsage(1500 * calls, 200 * calls, hits)
        return StageUsage(stage, model, total, PRICES.cost_of(model, total), calls)

    plain = [cached("seed", TEACHER, 2, 0), cached("bulk", STUDENT, 18, 0), cached("judge", TEACHER, 20, 0)]
    hit = [cached("seed", TEACHER, 2, 1024), cached("bulk", STUDENT, 18, 17 * 1024)]
    hit.append(cached("judge", TEACHER, 20, 19 * 1152))

    def breakdown(usages: list[StageUsage]) -> SavingsBreakdown:
        return savings_breakdown(
            usages, PRICES, teacher_model_id=TEACHER, judge_model_id=TEACHER, baseline_judge_calls=20
        )

    without, result = breakdown(plain), breakdown(hit)

    levers = {lever.name: lever.saved for lever in result.levers}
    # Each cached token is billed at the cached rate instead of the input rate (genai-prices).
    per_token = {TEACHER: Decimal("1.25") / 1_000_000, STUDENT: Decimal("0.075") / 1_000_000}
    saved = (1024 + 19 * 1152) * per_token[TEACHER] + 17 * 1024 * per_token[STUDENT]
    assert levers["prompt caching"] == saved > 0
    assert result.teacher_only == without.teacher_only  # the teacher alone caches nothing
    assert result.actual == sum((u.cost or Decimal(0) for u in hit), Decimal(0))
    assert without.actual is not None
    assert result.actual == without.actual - saved
    other = {lever.name: lever.saved for lever in without.levers}
    assert (levers["student split"], levers["judge policy"]) == (
        other["student split"],
        other["judge policy"],
    )
    assert sum(value or Decimal(0) for value in levers.values()) == result.savings
