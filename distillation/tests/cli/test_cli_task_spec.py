"""``--task spec.yaml`` on generate and relabel against the fake provider, and ``distillery task``."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import jsonschema
import yaml
from cli_fakes import (
    EXAMPLE_USAGE,
    GOOD_SCORES,
    JUDGE_USAGE,
    POLICY_USAGE,
    STUDENT,
    TEACHER,
    WORDS,
    cli_app,
    invoke,
    read_jsonl,
    schema_name,
)

from distillation.testing import Behavior, FakeProviderServer, RecordedRequest, ok

TAGS = ["billing", "login", "shipping", "hardware"]
SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["ticket", "triage"],
    "additionalProperties": False,
    "properties": {
        "ticket": {"type": "string"},
        "triage": {
            "type": "object",
            "required": ["priority", "tags", "summary"],
            "additionalProperties": False,
            "properties": {
                "priority": {"enum": ["low", "normal", "urgent"]},
                "tags": {"type": "array", "minItems": 1, "items": {"type": "string"}},
                "summary": {"type": "string"},
            },
        },
    },
}
RUBRIC = [
    {"name": "priority_fits", "description": "The priority matches how badly the customer is blocked."},
    {"name": "tags_specific", "description": "Tags name the product area, never generic words."},
]
POLICY = "Urgent only when the customer cannot use the product at all."
SEED_MARKER = "Write one support ticket for the triage desk"
SPEC: dict[str, Any] = {
    "name": "ticket-triage",
    "version": 3,
    "title": "Support ticket triage",
    "description": "A customer's support ticket and its triage.",
    "instruction": "Triage the customer's support ticket.",
    "input_fields": ["ticket"],
    "output_schema": SCHEMA,
    "policy": POLICY,
    "rubric": RUBRIC,
    "validators": [
        {"type": "label_set", "field": "triage.tags", "labels": TAGS},
        {"type": "length", "field": "triage.summary", "min": 10, "max": 300},
        {"type": "regex", "field": "triage.summary", "pattern": "^[A-Z]"},
    ],
    "templates": {
        "seed": f"{SEED_MARKER} ({{{{ scenario.domain_name }}}}).\n{{{{ datatype.task_policy }}}}\n"
        "Fields: {{ datatype.fields | join(', ') }}",
    },
}


def write_spec(path: Path, **changes: Any) -> Path:
    path.write_text(yaml.safe_dump({**SPEC, **changes}, sort_keys=False))
    return path


def triage(rng: random.Random, ticket: str | None = None) -> dict[str, Any]:
    words = [rng.choice(WORDS) for _ in range(14)]
    return {
        "ticket": ticket or " ".join(words).capitalize() + ".",
        "triage": {
            "priority": rng.choice(["low", "normal", "urgent"]),
            "tags": rng.sample(TAGS, 2),
            "summary": " ".join(rng.choice(WORDS) for _ in range(6)).capitalize() + ".",
        },
    }


def answers(request: RecordedRequest) -> Behavior:
    """Triage records for examples and answers, good scores for judges, the default policy otherwise."""
    name, rng = schema_name(request), random.Random(request.key)
    if name == "judge_scores":
        return ok(text=json.dumps(GOOD_SCORES), usage=JUDGE_USAGE)
    if name == "example":
        return ok(text=json.dumps(triage(rng)), usage=EXAMPLE_USAGE)
    if name == "answer":
        ticket = request.body["messages"][-1]["content"]
        return ok(text=json.dumps(triage(rng, ticket)), usage=EXAMPLE_USAGE)
    return ok(usage=POLICY_USAGE)


def user_text(request: RecordedRequest) -> str:
    return "\n".join(m["content"] for m in request.body["messages"] if m["role"] == "user")


def judged(server: FakeProviderServer) -> list[RecordedRequest]:
    return [r for r in server.requests if schema_name(r) == "judge_scores"]


def assert_rubric_and_policy(request: RecordedRequest) -> None:
    text = user_text(request)
    for item in RUBRIC:
        assert f"- {item['name']}: {item['description']}" in text
    assert POLICY in text


def assert_spec_rows(rows: list[dict[str, Any]]) -> None:
    for row in rows:
        record = row["metadata"]["record"]
        jsonschema.validate(record, SCHEMA)
        assert set(record["triage"]["tags"]) <= set(TAGS)
        assert row["metadata"]["provenance"]["task"] == {
            "name": "ticket-triage",
            "version": "3",
            "builtin": False,
        }


def test_generate_with_a_custom_spec_writes_rows_that_match_its_schema(tmp_path: Path) -> None:
    spec = write_spec(tmp_path / "triage.yaml")
    output = tmp_path / "triage.jsonl"
    args: list[str | Path] = ["generate", "--task", spec, "--domain", "Customer Support", "--count", "6"]
    args += ["--output", output, "--teacher", TEACHER, "--student", STUDENT, "--concurrency", "4"]
    with FakeProviderServer(answers) as server:
        result = invoke(cli_app(server), *args)
        requests = list(server.requests)
    assert result.exit_code == 0, result.output
    rows = read_jsonl(output)
    assert len(rows) == 6
    assert_spec_rows(rows)
    for row in rows:
        record = row["metadata"]["record"]
        # The chat view: the instruction and the input field, then the rest as the answer's JSON.
        assert row["messages"][0]["content"] == f"Triage the customer's support ticket.\n\n{record['ticket']}"
        assert json.loads(row["messages"][1]["content"]) == {"triage": record["triage"]}
    examples = [r for r in requests if schema_name(r) == "example"]
    # Native structured output: the provider is sent the spec's own schema.
    assert all(r.body["response_format"]["json_schema"]["schema"] == SCHEMA for r in examples)
    seeds = [r for r in examples if r.body["model"] == TEACHER.split(":")[1]]
    assert seeds
    assert all(SEED_MARKER in user_text(r) and POLICY in user_text(r) for r in seeds)
    assert judged(server)
    for request in judged(server):
        assert_rubric_and_policy(request)


def test_relabel_with_a_custom_spec_answers_in_its_schema(tmp_path: Path) -> None:
    spec = write_spec(tmp_path / "triage.yaml")
    prompts = tmp_path / "tickets.jsonl"
    tickets = [f"My order {n} arrived broken and support does not answer." for n in range(5)]
    prompts.write_text("".join(json.dumps({"prompt": t}) + "\n" for t in tickets))
    output = tmp_path / "answers.jsonl"
    args: list[str | Path] = ["relabel", prompts, "--task", spec, "--teacher", TEACHER, "--output", output]
    with FakeProviderServer(answers) as server:
        result = invoke(cli_app(server), *args, "--concurrency", "4")
        requests = list(server.requests)
    assert result.exit_code == 0, result.output
    rows = read_jsonl(output)
    assert len(rows) == 5
    assert_spec_rows(rows)
    for row in rows:
        assert row["messages"][0] == {"role": "user", "content": row["metadata"]["record"]["ticket"]}
        assert json.loads(row["messages"][-1]["content"]) == row["metadata"]["record"]
    asked = [r for r in requests if schema_name(r) == "answer"]
    assert len(asked) == 5
    assert all(r.body["response_format"]["json_schema"]["schema"] == SCHEMA for r in asked)
    # The teacher is told the spec's instruction and policy; the rows keep the prompt as it was.
    system = {"role": "system", "content": f"Triage the customer's support ticket.\n\n{POLICY}"}
    assert all(r.body["messages"][0] == system for r in asked)
    assert len(judged(server)) == 5
    for request in judged(server):
        assert_rubric_and_policy(request)
        # The judge sees the user's own prompt, not only the answer.
        assert any(ticket in user_text(request) for ticket in tickets)


def test_relabel_rejects_answers_that_fail_the_spec_validators(tmp_path: Path) -> None:
    spec = write_spec(tmp_path / "triage.yaml")
    prompts = tmp_path / "tickets.jsonl"
    prompts.write_text(json.dumps({"prompt": "The app crashes on start."}) + "\n")
    output = tmp_path / "answers.jsonl"

    def generic_tags(request: RecordedRequest) -> Behavior:
        if schema_name(request) == "answer":
            record = triage(random.Random(1), "The app crashes on start.")
            record["triage"]["tags"] = ["issue"]
            return ok(text=json.dumps(record), usage=EXAMPLE_USAGE)
        return answers(request)

    args: list[str | Path] = ["relabel", prompts, "--task", spec, "--teacher", TEACHER, "--output", output]
    with FakeProviderServer(generic_tags) as server:
        result = invoke(cli_app(server), *args)
    assert result.exit_code == 2, result.output
    assert read_jsonl(output) == []
    rejected = read_jsonl(tmp_path / "answers.rejected.jsonl")
    assert "triage.tags has 'issue', not one of: billing, login, shipping, hardware" in rejected[0]["reason"]


def test_task_validate_names_the_line_of_a_bad_spec(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("name: triage\nversion: 1\noutput_schema:\n  type: object\ninput_fields: [ticket]\n")
    result = invoke(cli_app(None), "task", "validate", path)
    assert result.exit_code == 1
    assert "bad.yaml: spec: input_fields names fields the output schema lacks: ticket" in result.output
    path.write_text("name: Triage\noutput_schema:\n  type: object\nrubric:\n  - {name: fits}\n")
    result = invoke(cli_app(None), "task", "validate", path)
    assert result.exit_code == 1
    assert "bad.yaml: line 1: name: String should match pattern" in result.output
    assert "line 5: rubric.0.description: Field required" in result.output
    path.write_text("name: triage\noutput_schema: {type: object\n")
    result = invoke(cli_app(None), "task", "validate", path)
    assert result.exit_code == 1
    assert "bad.yaml, line 3, column 1: not valid YAML" in result.output


def test_task_validate_refuses_a_sandbox_escape_and_accepts_a_good_spec(tmp_path: Path) -> None:
    escape = {"judge": "{{ messages.__class__.__mro__[1].__subclasses__() }}"}
    bad = write_spec(tmp_path / "escape.yaml", templates=escape)
    result = invoke(cli_app(None), "task", "validate", bad)
    assert result.exit_code == 1
    assert "templates.judge: judge.jinja2: refused by the template sandbox" in result.output
    good = write_spec(tmp_path / "triage.yaml")
    result = invoke(cli_app(None), "task", "validate", good)
    assert result.exit_code == 0, result.output
    assert "task spec 'ticket-triage' version 3 is valid (2 rubric criteria, 3 validators" in result.output


def test_task_list_and_show_print_the_built_in_specs() -> None:
    result = invoke(cli_app(None), "task", "list")
    assert result.exit_code == 0
    names = [line.split()[0] for line in result.output.splitlines()[:-1]]
    assert names == ["classification", "code", "generation", "ner", "qa", "translation"]
    shown = invoke(cli_app(None), "task", "show", "qa")
    assert shown.exit_code == 0
    spec = yaml.safe_load(shown.output)
    assert spec["name"] == "qa"
    assert spec["version"] == "1"
    assert spec["datatype"] == "qa"
    assert sorted(spec["output_schema"]["properties"]) == ["answer", "question"]
    missing = invoke(cli_app(None), "task", "show", "nope")
    assert missing.exit_code == 1
    assert "unknown data type 'nope'" in missing.output
