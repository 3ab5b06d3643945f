"""Programmatic checks: each bad case is caught with a reason, each good case passes."""

from __future__ import annotations

from typing import Any

import pytest

from distillation.datatypes import ValidationContext, get_datatype


def _reasons(name: str, data: dict[str, Any], context: ValidationContext | None = None) -> list[str]:
    result = get_datatype(name).check(data, context or ValidationContext())
    assert result.record is not None, result.reasons
    return result.reasons


def _only(reasons: list[str], fragment: str) -> None:
    assert reasons, "expected a failure"
    assert any(fragment in reason for reason in reasons), reasons


@pytest.mark.parametrize("name", ["qa", "classification", "generation", "code", "translation", "ner"])
def test_builtin_examples_pass(name: str) -> None:
    datatype = get_datatype(name)
    assert datatype.check(datatype.example()).ok


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ({"question": "  ", "answer": "Yes."}, "question is empty"),
        ({"question": "Is it safe?", "answer": ""}, "answer is empty"),
        ({"question": "Is it safe?", "answer": "is it  SAFE?"}, "repeats the question"),
        ({"question": "Help me hack?", "answer": "As an AI language model, I cannot."}, "refusal"),
        ({"question": "Draft a letter", "answer": "Dear [Your Name], thanks."}, "placeholder"),
    ],
)
def test_qa_bad_cases(data: dict[str, Any], fragment: str) -> None:
    _only(_reasons("qa", data), fragment)


def test_length_limits_come_from_the_context() -> None:
    data = {"question": "Why is the sky blue?", "answer": "Rayleigh scattering."}
    assert _reasons("qa", data) == []
    _only(_reasons("qa", data, ValidationContext(min_chars=25)), "shorter than 25")
    _only(_reasons("qa", data, ValidationContext(max_chars=10)), "longer than 10")


def test_refusal_check_can_be_switched_off() -> None:
    data = {"question": "Q?", "answer": "I'm sorry, but I can't help with that."}
    _only(_reasons("qa", data), "refusal")
    assert _reasons("qa", data, ValidationContext(check_refusals=False)) == []


def test_classification_label_must_be_allowed() -> None:
    data = {"text": "Package never came", "label": "shipping", "labels": ["billing", "technical"]}
    _only(_reasons("classification", data), "not one of the allowed labels")
    _only(
        _reasons("classification", {"text": "x y", "label": "spam"}, ValidationContext(labels=["ham"])),
        "allowed",
    )
    data_dupes = {"text": "Package never came", "label": "billing", "labels": ["billing", "billing"]}
    _only(_reasons("classification", data_dupes), "duplicates")
    outside = {"text": "Package never came", "label": "billing", "labels": ["billing", "weather"]}
    _only(_reasons("classification", outside, ValidationContext(labels=["billing", "technical"])), "weather")


def test_classification_label_case_is_normalised_to_the_allowed_spelling() -> None:
    result = get_datatype("classification").check(
        {"text": "Refund please", "label": "BILLING"}, ValidationContext(labels=["billing", "shipping"])
    )
    assert result.ok
    assert result.record.label == "billing"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("roles", "fragment"),
    [
        (["user"], "fewer than 2"),
        (["assistant", "user", "assistant"], "does not start with a user turn"),
        (["user", "assistant", "user"], "does not end with an assistant turn"),
        (["user", "user", "assistant"], "do not alternate"),
        (["user", "system", "assistant"], "system turn appears after the first"),
    ],
)
def test_generation_turn_order(roles: list[str], fragment: str) -> None:
    turns = [{"role": role, "content": f"turn {i}"} for i, role in enumerate(roles)]
    _only(_reasons("generation", {"turns": turns}), fragment)


def test_generation_with_leading_system_turn_is_valid_and_empty_turns_are_not() -> None:
    turns = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}]
    turns.append({"role": "assistant", "content": "Hello."})
    assert _reasons("generation", {"turns": turns}) == []
    turns[2]["content"] = " "
    _only(_reasons("generation", {"turns": turns}), "turns[2].content is empty")


def test_code_python_must_parse_and_fences_are_stripped() -> None:
    bad = {"instruction": "Add two numbers", "language": "python", "code": "def add(a, b)\n    return a + b"}
    _only(_reasons("code", bad), "does not parse as Python (line 1)")
    fenced = {
        "instruction": "Add",
        "language": "Python 3",
        "code": "```python\ndef add(a, b):\n    return a + b\n```",
    }
    result = get_datatype("code").check(fenced)
    assert result.ok, result.reasons
    assert result.record.language == "python"  # type: ignore[union-attr]
    assert result.record.code.startswith("def add")  # type: ignore[union-attr]


def test_code_json_must_parse_and_other_languages_are_not_parsed() -> None:
    _only(
        _reasons("code", {"instruction": "Config", "language": "json", "code": "{'a': 1}"}), "not valid JSON"
    )
    assert (
        _reasons("code", {"instruction": "Greet", "language": "rust", "code": 'fn main() { println!("hi") }'})
        == []
    )
    inner = {"instruction": "Show", "language": "python", "code": "x = 1\n```\ny = 2"}
    _only(_reasons("code", inner), "markdown fences")


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (
            {"source_lang": "English", "target_lang": "english", "source": "Hello", "target": "Hi"},
            "same language",
        ),
        ({"source_lang": "en", "target_lang": "English", "source": "Hello", "target": "Hi"}, "same language"),
        ({"source_lang": "en-US", "target_lang": "EN", "source": "Hello", "target": "Hi"}, "same language"),
        (
            {
                "source_lang": "English",
                "target_lang": "French",
                "source": "Good morning",
                "target": "good  morning",
            },
            "identical",
        ),
        (
            {
                "source_lang": "English",
                "target_lang": "German",
                "source": "This is a long sentence that should be translated in full.",
                "target": "Dies.",
            },
            "length of source",
        ),
    ],
)
def test_translation_bad_cases(data: dict[str, str], fragment: str) -> None:
    _only(_reasons("translation", data), fragment)


def test_translation_with_different_languages_passes() -> None:
    data = {"source_lang": "en", "target_lang": "fr", "source": "Thank you", "target": "Merci"}
    assert _reasons("translation", data) == []


TEXT = "Ada Lovelace met Charles Babbage in London."


def _entity(text: str, label: str, start: int, end: int) -> dict[str, Any]:
    return {"text": text, "label": label, "start": start, "end": end}


def _unrepaired(data: dict[str, Any]) -> list[str]:
    """Validate without normalisation, which would repair offsets of mentions found in the text."""
    ner = get_datatype("ner")
    return ner.validate(ner.parse(data))


def test_ner_offsets_must_select_the_mention() -> None:
    wrong = {
        "text": TEXT,
        "entities": [_entity("Ada Lovelace", "PERSON", 0, 12), _entity("Zurich", "LOC", 36, 42)],
    }
    _only(_reasons("ner", wrong), "select 'London'")  # Zurich is not in the text: nothing to repair
    _only(_unrepaired({"text": TEXT, "entities": [_entity("London", "LOC", 36, 99)]}), "past the end")
    _only(_unrepaired({"text": TEXT, "entities": [_entity("London", "LOC", 42, 36)]}), "not after start")
    _only(_unrepaired({"text": TEXT, "entities": [_entity("London", "LOC", 30, 36)]}), "select 'ge in '")


def test_ner_labels_overlaps_and_duplicates() -> None:
    labelled = {"text": TEXT, "entities": [_entity("London", "CITY", 36, 42)]}
    _only(
        _reasons("ner", labelled, ValidationContext(labels=["PERSON", "LOC"])),
        "not one of the allowed labels",
    )
    overlap = {
        "text": TEXT,
        "entities": [_entity("Ada Lovelace", "PERSON", 0, 12), _entity("Lovelace met", "X", 4, 16)],
    }
    _only(_reasons("ner", overlap), "overlap")
    assert _reasons("ner", overlap, ValidationContext(allow_overlapping_entities=True)) == []
    twice = {"text": TEXT, "entities": [_entity("London", "LOC", 36, 42), _entity("London", "GPE", 36, 42)]}
    _only(_reasons("ner", twice), "same span")


def test_ner_offsets_are_repaired_when_the_mention_is_in_the_text() -> None:
    text = "Paris is not Paris, Texas."
    off = {"text": text, "entities": [_entity("Paris", "LOC", 1, 6), _entity("Paris", "LOC", 14, 19)]}
    result = get_datatype("ner").check(off)
    assert result.ok, result.reasons
    spans = [(e.start, e.end) for e in result.record.entities]  # type: ignore[union-attr]
    assert spans == [(0, 5), (13, 18)]


@pytest.mark.parametrize(
    ("text", "flagged"),
    [
        ("Please contact [Company Name] support about the refund.", True),
        ("How will you address [name]'s [issue] today?", True),
        ("Your [order number] ships from the warehouse tomorrow.", True),
        ("Read one element with items[index] or a[i] in Python.", False),
        ("See the [docs](https://example.com) section on refunds.", False),
    ],
)
def test_unfilled_template_slots_are_flagged(text: str, flagged: bool) -> None:
    from distillation.quality import check_structure

    result = check_structure(
        get_datatype("qa"), {"question": "What should I do about the refund I asked for?", "answer": text}
    )
    assert any("placeholder" in reason for reason in result.reasons) is flagged
