"""Records into the canonical chat ``messages`` list and into the instruction (Alpaca) view."""

from __future__ import annotations

import json

import pytest

from distillation.datatypes import (
    ClassificationRecord,
    CodeRecord,
    Entity,
    GenerationRecord,
    NERRecord,
    QARecord,
    TranslationRecord,
    Turn,
    get_datatype,
)
from distillation.quality import check_messages


@pytest.mark.parametrize("name", ["qa", "classification", "generation", "code", "translation", "ner"])
def test_every_example_converts_to_valid_chat(name: str) -> None:
    datatype = get_datatype(name)
    messages = datatype.to_messages(datatype.example(), system="You are helpful.")
    assert messages[0] == {"role": "system", "content": "You are helpful."}
    assert messages[-1]["role"] == "assistant"
    assert check_messages(messages) == []
    view = datatype.to_instruction(datatype.example())
    assert view.instruction
    assert view.output


def test_qa_chat_and_instruction() -> None:
    record = QARecord(question="What is DNS?", answer="The internet's phone book.")
    assert get_datatype("qa").to_messages(record) == [
        {"role": "user", "content": "What is DNS?"},
        {"role": "assistant", "content": "The internet's phone book."},
    ]
    view = get_datatype("qa").to_instruction(record, instruction="Answer briefly.")
    assert (view.instruction, view.input, view.output) == ("Answer briefly.", "What is DNS?", record.answer)
    assert view.lost_context == []


def test_classification_puts_labels_in_the_prompt_and_the_label_in_the_answer() -> None:
    record = ClassificationRecord(text="Great phone", label="positive", labels=["positive", "negative"])
    messages = get_datatype("classification").to_messages(record)
    assert "Labels: positive, negative" in messages[0]["content"]
    assert messages[0]["content"].endswith("Text: Great phone")
    assert messages[1] == {"role": "assistant", "content": "positive"}
    view = get_datatype("classification").to_instruction(record)
    assert (view.input, view.output) == ("Great phone", "positive")


def test_generation_gives_multi_turn_chat_and_flattens_history_for_instruction() -> None:
    record = GenerationRecord(
        turns=[
            Turn(role="user", content="Plan a trip"),
            Turn(role="assistant", content="Where to?"),
            Turn(role="user", content="Rome"),
            Turn(role="assistant", content="Day 1: Colosseum."),
        ]
    )
    messages = get_datatype("generation").to_messages(record, system="Travel agent")
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "user", "assistant"]
    view = get_datatype("generation").to_instruction(record)
    assert view.instruction == "Rome"
    assert view.input == "User: Plan a trip\nAssistant: Where to?"
    assert view.output == "Day 1: Colosseum."
    assert view.lost_context == ["2 earlier turns flattened into input"]


def test_generation_keeps_its_own_system_turn_and_reports_it_lost_in_instruction_view() -> None:
    record = GenerationRecord(
        turns=[
            Turn(role="system", content="Pirate"),
            Turn(role="user", content="Hi"),
            Turn(role="assistant", content="Arr"),
        ]
    )
    messages = get_datatype("generation").to_messages(record, system="Ignored")
    assert messages[0] == {"role": "system", "content": "Pirate"}
    assert "system turn dropped" in get_datatype("generation").to_instruction(record).lost_context


def test_code_answer_is_a_fenced_block_with_the_explanation() -> None:
    record = CodeRecord(
        instruction="Print hi", language="python", code='print("hi")', explanation="Uses print."
    )
    answer = get_datatype("code").to_messages(record)[1]["content"]
    assert answer == '```python\nprint("hi")\n```\n\nUses print.'


def test_translation_names_both_languages() -> None:
    record = TranslationRecord(
        source_lang="English", target_lang="Spanish", source="Thanks", target="Gracias"
    )
    messages = get_datatype("translation").to_messages(record)
    assert messages[0]["content"] == "Translate the following text from English to Spanish.\n\nThanks"
    assert messages[1]["content"] == "Gracias"


def test_ner_answer_is_json_of_the_entities() -> None:
    record = NERRecord(text="Bob is here", entities=[Entity(text="Bob", label="PERSON", start=0, end=3)])
    answer = get_datatype("ner").to_messages(record)[1]["content"]
    assert json.loads(answer) == [{"text": "Bob", "label": "PERSON", "start": 0, "end": 3}]
    assert get_datatype("ner").to_instruction(record).input == "Bob is here"
