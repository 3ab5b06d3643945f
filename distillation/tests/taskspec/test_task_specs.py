"""Task specs: loading with lines, safe schemas, the template sandbox, validators, built-in specs."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from distillation.datatypes import PromptRenderer, PromptTemplateError, get_datatype, list_datatypes
from distillation.pipeline import GenerationConfig
from distillation.providers.structured import schema_error
from distillation.quality import judge_prompt
from distillation.taskspec import (
    TaskSpec,
    TaskSpecError,
    builtin_spec,
    builtin_specs,
    load_task_spec,
    parse_task_spec,
    spec_datatype,
    spec_renderer,
    template_problems,
)

SCHEMA = {
    "type": "object",
    "required": ["ticket", "triage"],
    "additionalProperties": False,
    "properties": {
        "ticket": {"type": "string"},
        "triage": {
            "type": "object",
            "required": ["priority", "tags"],
            "additionalProperties": False,
            "properties": {
                "priority": {"enum": ["low", "normal", "urgent"]},
                "tags": {"type": "array", "minItems": 1, "items": {"type": "string"}},
            },
        },
    },
}


def spec(**changes: object) -> TaskSpec:
    data: dict[str, object] = {"name": "triage", "version": "2", "output_schema": SCHEMA, **changes}
    return TaskSpec.model_validate(data)


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A local port that accepts connections and never answers (a fetch from it would hang)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join()
    for connection in accepted:
        connection.close()
    server.close()


def test_a_remote_ref_is_refused_at_once_with_a_clear_error(silent_port: int) -> None:
    url = f"http://127.0.0.1:{silent_port}/schema.json"
    schema = {"type": "object", "properties": {"a": {"$ref": url}}}
    started = time.monotonic()
    with pytest.raises(ValueError, match="remote \\$ref are never fetched") as caught:
        spec(output_schema=schema)
    assert url in str(caught.value)
    # The validator behind structured answers never fetches one either, even for a schema that
    # skipped the spec's check (it answers at once instead of hanging on the silent port).
    error = schema_error({"a": 1}, schema)
    assert error is not None
    assert "not fetched" in error
    assert time.monotonic() - started < 2


def test_a_relative_ref_and_a_dollar_id_are_refused_but_local_refs_work() -> None:
    with pytest.raises(ValueError, match=r"other\.json"):
        spec(output_schema={"type": "object", "properties": {"a": {"$ref": "other.json#/x"}}})
    local = {
        "type": "object",
        "$defs": {"tag": {"enum": ["a", "b"]}},
        "properties": {"t": {"$ref": "#/$defs/tag"}},
        "required": ["t"],
    }
    datatype = spec_datatype(spec(output_schema=local))
    assert datatype.check({"t": "a"}).ok
    assert not datatype.check({"t": "c"}).ok


def test_an_invalid_schema_and_a_non_object_root_are_refused() -> None:
    with pytest.raises(ValueError, match="not a valid JSON Schema at properties/a/type"):
        spec(output_schema={"type": "object", "properties": {"a": {"type": "strin"}}})
    with pytest.raises(ValueError, match="root of the output schema must be"):
        spec(output_schema={"type": "array"})


def test_a_bad_yaml_file_is_named_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("name: triage\noutput_schema:\n  type: object\n   properties: {}\n")
    with pytest.raises(TaskSpecError, match=r"bad\.yaml, line 4, column 14: not valid YAML"):
        load_task_spec(path)


def test_a_bad_field_is_named_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "spec.yaml"
    path.write_text(
        "name: triage\n"
        "output_schema:\n"
        "  type: object\n"
        "validators:\n"
        "  - type: length\n"
        "    field: ticket\n"
        "    min: 5\n"
        "  - type: regex\n"
        "    field: ticket\n"
        "    pattern: '('\n"
        "rubric:\n"
        "  - name: fits\n"
    )
    with pytest.raises(TaskSpecError) as caught:
        load_task_spec(path)
    message = str(caught.value)
    assert "line 10: validators.1.pattern: not a valid regular expression" in message
    assert "line 12: rubric.0.description: Field required" in message


def test_the_sandbox_refuses_a_template_that_reaches_for_unsafe_attributes() -> None:
    escape = "{{ ''.__class__.__mro__[1].__subclasses__() }}"
    unsafe = spec(templates={"seed": escape})
    with pytest.raises(PromptTemplateError, match="refused by the template sandbox"):
        spec_renderer(unsafe).render("teacher_seed")
    assert [p.split(":")[0] for p in template_problems(unsafe)] == ["templates.seed"]
    # The same text in a plain environment runs (it lists Python's classes): the sandbox is what stops it.
    block = "{% set user %}" + escape + "{% endset %}"
    plain = PromptRenderer(templates={"teacher_seed.jinja2": block}).render("teacher_seed")
    assert "<class 'type'>" in plain.messages[0]["content"]
    assert template_problems(spec(templates={"seed": "Write one ticket about {{ instruction }}."})) == []


def test_validators_name_what_fails() -> None:
    validators = [
        {"type": "label_set", "field": "triage.tags", "labels": ["billing", "login"]},
        {"type": "length", "field": "ticket", "min": 10},
        {"type": "regex", "field": "ticket", "pattern": "^[A-Z]"},
        {"type": "json_schema", "field": "triage", "schema": {"required": ["priority", "tags"]}},
    ]
    datatype = spec_datatype(spec(validators=validators))
    good = {"ticket": "My card was charged twice.", "triage": {"priority": "normal", "tags": ["billing"]}}
    assert datatype.check(good).ok
    bad = {"ticket": "charged", "triage": {"priority": "normal", "tags": ["billing", "misc"]}}
    reasons = datatype.check(bad).reasons
    assert "triage.tags has 'misc', not one of: billing, login" in reasons
    assert "ticket is shorter than 10 characters (7)" in reasons
    assert "ticket does not match /^[A-Z]/" in reasons
    wrong_enum = {"ticket": "Card charged twice", "triage": {"priority": "high", "tags": ["billing"]}}
    enum = "['low', 'normal', 'urgent']"
    assert datatype.check(wrong_enum).reasons == [
        f"does not match the output schema at triage/priority: 'high' is not one of {enum}"
    ]


def test_the_judge_prompt_carries_the_rubric_and_the_policy() -> None:
    rubric = [{"name": "priority_fits", "description": "Urgent only when the customer is blocked."}]
    datatype = spec_datatype(spec(rubric=rubric, policy="Never promise a refund."))
    record = {"ticket": "Cannot log in at all", "triage": {"priority": "urgent", "tags": ["login"]}}
    user = judge_prompt(datatype, record).messages[-1]["content"]
    assert "- priority_fits: Urgent only when the customer is blocked." in user
    assert "Never promise a refund." in user
    assert '"priority": "urgent"' in user


def test_every_built_in_data_type_is_a_built_in_spec() -> None:
    specs = {item.name: item for item in builtin_specs()}
    assert sorted(specs) == list_datatypes()
    for name, item in specs.items():
        datatype = get_datatype(name)
        assert item.ref.model_dump() == {"name": name, "version": "1", "builtin": True}
        assert item.output_schema == datatype.json_schema()
        as_spec = spec_datatype(item)
        example = datatype.example()
        assert as_spec.check(example).ok, name
        assert as_spec.to_messages(example) == datatype.to_messages(example)
        # Serialisable for the service: the spec survives a JSON round trip.
        assert TaskSpec.model_validate_json(item.model_dump_json()) == item
    with pytest.raises(KeyError):
        builtin_spec("nope")


def test_a_spec_on_a_built_in_type_keeps_its_record_and_adds_validators() -> None:
    item = parse_task_spec(
        "name: short-qa\ndatatype: qa\nvalidators:\n  - {type: length, field: answer, max: 20}\n"
    )
    datatype = spec_datatype(item)
    assert datatype.name == "qa"
    assert item.ref.builtin
    assert datatype.check({"question": "What is 2 + 2?", "answer": "4."}).ok
    long = {"question": "What is 2 + 2?", "answer": "Four, as anyone will tell you."}
    assert datatype.check(long).reasons == ["answer is longer than 20 characters (30)"]
    with pytest.raises(TaskSpecError, match="line 1: datatype: unknown data type 'qna'; built-in: "):
        parse_task_spec("datatype: qna\nname: x\n")
    with pytest.raises(TaskSpecError, match="keeps its output schema"):
        parse_task_spec("name: x\ndatatype: qa\noutput_schema: {type: object}\n")


def test_a_run_config_takes_its_data_type_instruction_and_labels_from_the_spec() -> None:
    item = spec(instruction="Triage the ticket.", labels=["billing"])
    config = GenerationConfig.model_validate({"data_type": "qa", "count": 3, "task": item.model_dump()})
    assert (config.data_type, config.instruction, config.labels) == (
        "triage",
        "Triage the ticket.",
        ("billing",),
    )
    assert config.task_ref.model_dump() == {"name": "triage", "version": "2", "builtin": False}
    given = GenerationConfig(data_type="triage", count=3, task=item, instruction="Mine.")
    assert given.instruction == "Mine."
    # A run without a spec records its built-in data type's spec.
    plain = GenerationConfig(data_type="qa", count=3)
    assert plain.task_ref.model_dump() == {"name": "qa", "version": "1", "builtin": True}
