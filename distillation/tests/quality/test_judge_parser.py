"""The judge parser on clean, fenced, prose-wrapped, truncated, renamed and garbage outputs."""

from __future__ import annotations

import json

import jsonschema_rs
import pytest

from distillation.quality import (
    CRITERION_NAMES,
    JudgeScores,
    aggregate_score,
    judge_schema,
    parse_judge_output,
)

CLEAN = {
    "content_quality": 8,
    "instruction_alignment": 9,
    "factual_correctness": 7,
    "formatting": 9.5,
    "training_utility": 6,
    "feedback": ["Mention the fee."],
}
CLEAN_TEXT = json.dumps(CLEAN)
EXPECTED = JudgeScores.model_validate(CLEAN).criteria()


def _scores(text: str) -> dict[str, float]:
    result = parse_judge_output(text)
    assert result.ok, result.error
    assert result.scores is not None
    return result.scores.criteria()


def test_clean_output() -> None:
    result = parse_judge_output(CLEAN_TEXT)
    assert result.scores == JudgeScores.model_validate(CLEAN)
    assert result.error is None
    assert result.warnings == []


@pytest.mark.parametrize(
    "text",
    [
        f"```json\n{CLEAN_TEXT}\n```",
        f"```\n{CLEAN_TEXT}\n```",
        f"Here is my evaluation of the example:\n\n{CLEAN_TEXT}\n\nOverall a solid example.",
        f"<think>the answer looks {{fine}}</think>{CLEAN_TEXT}",
        f"[{CLEAN_TEXT}]",
        f"Scores for {{the example}} follow: {CLEAN_TEXT} (see {{notes}})",
        json.dumps(CLEAN, indent=2).replace('"Mention the fee."', '"Mention the fee.",'),  # trailing comma
    ],
)
def test_wrapped_and_sloppy_outputs_parse(text: str) -> None:
    assert _scores(text) == EXPECTED


def test_truncated_output_is_repaired_when_every_score_is_present() -> None:
    truncated = CLEAN_TEXT[: CLEAN_TEXT.index("fee")]
    result = parse_judge_output(truncated)
    assert result.ok, result.error
    assert "repaired JSON" in result.warnings
    assert result.scores is not None
    assert result.scores.training_utility == 6


def test_truncated_before_all_scores_is_a_failure_naming_the_missing_ones() -> None:
    result = parse_judge_output(CLEAN_TEXT[: CLEAN_TEXT.index('"training_utility"')])
    assert not result.ok
    assert result.error == "judge output lacks scores for: training_utility"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "empty output"),
        ("The example is excellent, I'd give it a 9/10.", "no JSON object"),
        ("{{{{", "no JSON object"),
        ('{"verdict": "good"}', "lacks scores for: content_quality"),
        (json.dumps({**CLEAN, "formatting": "excellent"}), "formatting: score is not a number"),
        (json.dumps({**CLEAN, "formatting": True}), "formatting: score is not a number"),
        (json.dumps({**CLEAN, "content_quality": 85}), "outside 0-10"),
        (json.dumps({**CLEAN, "content_quality": -3}), "outside 0-10"),
    ],
)
def test_unusable_outputs_mark_the_row_instead_of_raising(text: str, fragment: str) -> None:
    result = parse_judge_output(text)
    assert not result.ok
    assert result.scores is None
    assert result.error is not None
    assert fragment in result.error
    assert result.raw == text


def test_renamed_nested_and_fractional_scores_are_read() -> None:
    messy = {
        "scores": {
            "Content Quality": "8/10",
            "Alignment": {"score": 7, "reason": "Ignores the second question."},
            "accuracy": "90%",
            "format": "4 / 5",
            "usefulness": 6,
        },
        "issues": "Too short.",
    }
    result = parse_judge_output(json.dumps(messy))
    assert result.scores is not None, result.error
    assert result.scores.criteria() == {
        "content_quality": 8.0,
        "instruction_alignment": 7.0,
        "factual_correctness": 9.0,
        "formatting": 8.0,
        "training_utility": 6.0,
    }
    assert result.scores.feedback == ["Ignores the second question.", "Too short."]
    assert "read 'accuracy' as 'factual_correctness'" in result.warnings


def test_slightly_out_of_range_scores_are_clamped_with_a_warning() -> None:
    result = parse_judge_output(json.dumps({**CLEAN, "formatting": 10.5, "training_utility": -0.5}))
    assert result.scores is not None
    assert (result.scores.formatting, result.scores.training_utility) == (10.0, 0.0)
    assert any("clamped" in warning for warning in result.warnings)


def test_criteria_list_form_is_read() -> None:
    items = [{"criterion": name, "score": 5} for name in CRITERION_NAMES]
    assert set(_scores(json.dumps({"criteria": items})).values()) == {5.0}


def test_schema_matches_the_model() -> None:
    validator = jsonschema_rs.validator_for(judge_schema())
    assert validator.is_valid(CLEAN)
    assert not validator.is_valid({**CLEAN, "formatting": 11})
    assert not validator.is_valid({k: v for k, v in CLEAN.items() if k != "training_utility"})
    assert set(judge_schema()["required"]) == {*CRITERION_NAMES, "feedback"}


def test_aggregate_is_a_weighted_mean() -> None:
    scores = JudgeScores.model_validate(CLEAN)
    assert aggregate_score(scores) == pytest.approx((8 + 9 + 7 + 9.5 + 6) / 5)
    assert aggregate_score(scores, {"factual_correctness": 3, "formatting": 1}) == pytest.approx(
        (21 + 9.5) / 4
    )
    with pytest.raises(ValueError, match="invalid criterion weights"):
        aggregate_score(scores, {"vibes": 1})
    with pytest.raises(ValueError, match="invalid criterion weights"):
        aggregate_score(scores, {"formatting": 0})


def test_long_feedback_is_bounded_not_rejected() -> None:
    import json

    from distillation.quality import judge_schema, parse_judge_output

    reply = {
        "content_quality": 7,
        "instruction_alignment": 7,
        "factual_correctness": 7,
        "formatting": 7,
        "training_utility": 7,
        "feedback": [f"problem {i} " + "x" * 400 for i in range(9)],
    }
    result = parse_judge_output(json.dumps(reply))
    assert result.scores is not None
    assert len(result.scores.feedback) == 5
    assert all(len(item) <= 300 for item in result.scores.feedback)
    assert any("cut" in warning for warning in result.warnings)
    assert judge_schema()["properties"]["feedback"]["maxItems"] == 5
