"""Reference metrics and reading answers back as records of their data type."""

from __future__ import annotations

import pytest

from distillation.datatypes import get_datatype
from distillation.evaluate import (
    entity_f1,
    exact_match,
    field_accuracy,
    infer_datatype,
    read_answer,
    rouge_l,
    win_rate,
)


def test_exact_match_ignores_case_and_spacing_only() -> None:
    assert exact_match("  The  answer is 4. ", "the answer is 4.") == 1.0
    assert exact_match("The answer is 5.", "The answer is 4.") == 0.0


def test_rouge_l_scores_overlap_in_any_script() -> None:
    assert rouge_l("the cat sat on the mat", "the cat sat on the mat") == pytest.approx(1.0)
    assert 0.0 < rouge_l("the cat sat", "the cat sat on the mat") < 1.0
    # rouge-score's default tokenizer drops non-ASCII letters; ours keeps them.
    assert rouge_l("Привет мир", "Привет мир") == pytest.approx(1.0)
    assert rouge_l("Привет мир", "До свидания") == 0.0


def test_entity_f1_counts_text_and_label_pairs() -> None:
    reference = [{"text": "Paris", "label": "LOC"}, {"text": "Ada", "label": "PERSON"}]
    assert entity_f1(reference, reference) == 1.0
    assert entity_f1([{"text": "paris", "label": "loc"}], reference) == pytest.approx(2 / 3)
    assert entity_f1([], reference) == 0.0
    assert entity_f1([], []) == 1.0


def test_field_accuracy_by_data_type() -> None:
    reference = {"text": "I was charged twice", "label": "billing", "labels": ["billing", "other"]}
    assert field_accuracy("classification", {"label": "Billing"}, reference) == 1.0
    assert field_accuracy("classification", None, reference) == 0.0
    assert field_accuracy("qa", {"answer": "x"}, {"question": "q", "answer": "x"}) is None


QA = {"question": "What is 2+2?", "answer": "4"}
LABELS = {"text": "t", "label": "spam", "labels": ["spam", "ham"]}
TRANSLATION = {"source_lang": "English", "target_lang": "French", "source": "Hi", "target": "Salut"}
CODE = {"instruction": "Add", "language": "python", "code": "x = 1"}
NER = {"text": "Ada lives in Paris.", "entities": []}


@pytest.mark.parametrize(
    ("name", "reference", "answer", "valid"),
    [
        ("qa", QA, "It is 4.", True),
        ("qa", QA, "   ", False),
        ("qa", QA, "Call [Company Name] now.", False),
        ("classification", LABELS, "ham.", True),
        ("classification", LABELS, "maybe", False),
        ("translation", TRANSLATION, "Bonjour", True),
        ("code", CODE, "```python\ndef add(a, b):\n    return a + b\n```\nAdds two numbers.", True),
        ("code", CODE, "```python\ndef add(:\n```", False),
        ("ner", NER, 'Entities: [{"text": "Paris", "label": "LOC", "start": 13, "end": 18}]', True),
        ("ner", NER, "Paris is a city.", False),
    ],
)
def test_answers_read_back_as_records(
    name: str, reference: dict[str, object], answer: str, valid: bool
) -> None:
    assert read_answer(get_datatype(name), reference, answer).valid is valid


def test_a_code_answer_keeps_its_explanation_apart() -> None:
    reference = {"instruction": "Add", "language": "python", "code": "x = 1"}
    read = read_answer(get_datatype("code"), reference, "```python\ny = 2\n```\nSets y.")
    assert read.data is not None
    assert (read.data["code"], read.data["explanation"]) == ("y = 2", "Sets y.")


def test_the_data_type_is_inferred_from_a_record() -> None:
    assert infer_datatype({"question": "q", "answer": "a"}) == "qa"
    assert infer_datatype({"text": "t", "entities": []}) == "ner"
    assert infer_datatype({"something": "else"}) is None
    assert infer_datatype({"turns": [{"role": "user", "content": "hi"}]}) == "generation"


def test_win_rate_counts_ties_half_and_skips_unjudged_rows() -> None:
    assert win_rate([8.0, 5.0, 6.0, None], [7.0, 5.0, 9.0, 1.0]) == pytest.approx(0.5)
    assert win_rate([None], [1.0]) is None
