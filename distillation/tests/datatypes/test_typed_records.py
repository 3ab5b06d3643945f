"""Data type records (the shape ``DataType.json_schema`` advertises) read as chat records."""

from __future__ import annotations

import io
import json

import pytest

from distillation.datatypes import get_datatype, list_datatypes, match_datatype, typed_record_to_chat
from distillation.formats import ConversionError, read_chat_records


@pytest.mark.parametrize("name", list_datatypes())
def test_every_data_types_example_converts_to_its_own_messages(name: str) -> None:
    datatype = get_datatype(name)
    record = datatype.dump(datatype.example())
    assert match_datatype(record) is datatype
    converted = typed_record_to_chat(record | {"metadata": {"k": 1}})
    assert converted is not None
    assert converted.record == {"messages": datatype.to_messages(datatype.example()), "metadata": {"k": 1}}


def test_the_most_specific_data_type_wins_and_unknown_keys_match_none() -> None:
    assert match_datatype({"text": "t", "label": "l", "labels": ["l"]}) is get_datatype("classification")
    assert match_datatype({"text": "t", "entities": []}) is get_datatype("ner")
    assert match_datatype({"question": "q"}) is None  # a required field missing
    assert match_datatype({"question": "q", "answer": "a", "extra": 1}) is None  # a key qa lacks
    assert typed_record_to_chat({"user": "u"}) is None


def test_a_matching_record_with_bad_values_says_which_field() -> None:
    with pytest.raises(ConversionError, match=r"not a valid qa record: answer"):
        typed_record_to_chat({"question": "q", "answer": ["a"]})


def test_the_reader_uses_the_fallback_only_for_records_in_no_known_view() -> None:
    lines = [
        {"question": "q", "answer": "a"},
        {"prompt": "p", "completion": "c"},
        {"nothing": "known"},
    ]
    data = "\n".join(json.dumps(line) for line in lines).encode()
    plain = list(read_chat_records(io.BytesIO(data)))
    typed = list(read_chat_records(io.BytesIO(data), fallback=typed_record_to_chat))
    assert [row.record is None for row in plain] == [True, False, True]
    assert plain[0].error is not None
    assert "its keys (answer, question) match no known view" in plain[0].error
    assert typed[0].record == {
        "messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]
    }
    assert typed[1].record == plain[1].record
    assert typed[2].error is not None
    assert "a data type's fields" in typed[2].error
