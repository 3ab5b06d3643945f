"""Every data type: JSON schema and pydantic model agree; parsing tolerates model habits; the registry."""

from __future__ import annotations

import copy
from typing import Any

import jsonschema_rs
import pytest

from distillation.datatypes import (
    DataType,
    QADataType,
    RecordParseError,
    UnknownDataTypeError,
    get_datatype,
    list_datatypes,
    register_datatype,
)

NAMES = ["qa", "classification", "generation", "code", "translation", "ner"]


def _valid_by_schema(schema: dict[str, Any], instance: Any) -> bool:
    return jsonschema_rs.validator_for(schema).is_valid(instance)


def _valid_by_model(datatype: DataType[Any], instance: Any) -> bool:
    try:
        datatype.parse(instance)
    except RecordParseError:
        return False
    return True


def _mutations(example: dict[str, Any]) -> list[dict[str, Any]]:
    """Broken variants of a valid record: each field missing, each field of the wrong type, an extra key."""
    broken = [{**example, "unexpected": "x"}]
    for key, value in example.items():
        broken.append({k: v for k, v in example.items() if k != key})
        wrong = copy.deepcopy(example)
        wrong[key] = 12345 if isinstance(value, str | list) else "not a number"
        broken.append(wrong)
    return broken


def test_registry_lists_the_six_builtin_types() -> None:
    assert list_datatypes() == sorted(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_schema_and_model_agree_on_valid_and_broken_records(name: str) -> None:
    datatype = get_datatype(name)
    schema = datatype.json_schema()
    example = datatype.dump(datatype.example())
    assert _valid_by_schema(schema, example)
    assert _valid_by_model(datatype, example)
    for broken in _mutations(example):
        # Optional fields may be dropped; both sides must still give the same verdict.
        assert _valid_by_schema(schema, broken) == _valid_by_model(datatype, broken), broken


@pytest.mark.parametrize("name", NAMES)
def test_schema_required_fields_match_the_model(name: str) -> None:
    datatype = get_datatype(name)
    schema = datatype.json_schema()
    required = {field for field, info in datatype.record_model.model_fields.items() if info.is_required()}
    assert set(schema["required"]) == required
    assert schema["additionalProperties"] is False


@pytest.mark.parametrize("name", NAMES)
def test_strict_schema_requires_every_property_and_has_no_defaults(name: str) -> None:
    schema = get_datatype(name).json_schema(strict=True)

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            assert "default" not in node
            if "properties" in node:
                assert set(node["required"]) == set(node["properties"])
                assert node["additionalProperties"] is False
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)
    assert _valid_by_schema(schema, get_datatype(name).example().model_dump(mode="json"))


@pytest.mark.parametrize("name", NAMES)
def test_parse_accepts_fenced_and_prose_wrapped_json(name: str) -> None:
    datatype = get_datatype(name)
    example = datatype.example()
    text = example.model_dump_json()
    for wrapped in (text, f"```json\n{text}\n```", f"Here you go:\n{text}\nLet me know!"):
        assert datatype.parse(wrapped) == example


def test_parse_reports_reasons_instead_of_raising_pydantic_errors() -> None:
    qa = get_datatype("qa")
    with pytest.raises(RecordParseError) as caught:
        qa.parse({"question": "Why?"})
    assert caught.value.reasons == ["answer: Field required"]
    with pytest.raises(RecordParseError, match="no JSON object"):
        qa.parse("I cannot produce JSON today.")
    assert not qa.check("not json").ok


def test_generation_role_aliases_are_accepted() -> None:
    record = get_datatype("generation").parse(
        {"turns": [{"role": "Human", "content": "Hi"}, {"role": "AI", "content": "Hello!"}]}
    )
    assert [turn.role for turn in record.turns] == ["user", "assistant"]


def test_unknown_datatype_lists_the_available_ones() -> None:
    with pytest.raises(UnknownDataTypeError, match="available: classification, code"):
        get_datatype("poetry")


def test_registering_a_duplicate_name_needs_replace() -> None:
    with pytest.raises(ValueError, match="already registered"):
        register_datatype(QADataType())
    original = get_datatype("qa")
    register_datatype(QADataType(), replace=True)
    assert get_datatype("qa") is not original
    register_datatype(original, replace=True)
