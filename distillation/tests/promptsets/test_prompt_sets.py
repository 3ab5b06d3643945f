"""Reading prompt sets: every input layout, the column mapping, per-line errors and dedup."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest

from distillation.promptsets import (
    PromptMapping,
    TooManyErrors,
    read_prompt_set,
)

ROWS = [
    {"question": "What is a refund?", "topic": "billing", "answer": "Money back."},
    {"question": "How do I reset my router?", "topic": "devices", "answer": "Hold the button."},
]


def write_jsonl(path: Path, rows: list[Any]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return path


def user_prompts(path: Path, **kwargs: Any) -> list[str]:
    return [p.prompt_text for p in read_prompt_set(path, **kwargs).prompts]


def test_jsonl_columns_are_detected_as_prompt_reference_and_variables(tmp_path: Path) -> None:
    result = read_prompt_set(write_jsonl(tmp_path / "p.jsonl", ROWS))

    assert result.errors == []
    assert result.duplicates == []
    first = result.prompts[0]
    assert first.messages == [{"role": "user", "content": "What is a refund?"}]
    assert first.reference == "Money back."
    assert first.variables == {"topic": "billing"}
    assert first.line == 1
    assert len(first.fingerprint) == 64


def test_json_array_and_csv_read_the_same_prompts(tmp_path: Path) -> None:
    (tmp_path / "p.json").write_text(json.dumps(ROWS))
    with (tmp_path / "p.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["question", "topic", "answer"])
        writer.writeheader()
        writer.writerows(ROWS)

    expected = [row["question"] for row in ROWS]
    assert user_prompts(tmp_path / "p.json") == expected
    assert user_prompts(tmp_path / "p.csv") == expected
    assert [p.line for p in read_prompt_set(tmp_path / "p.csv").prompts] == [2, 3]  # line 1 is the header


def test_parquet_file(tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    pa = pytest.importorskip("pyarrow")
    pq.write_table(pa.Table.from_pylist(ROWS), tmp_path / "p.parquet")

    result = read_prompt_set(tmp_path / "p.parquet")

    assert [p.prompt_text for p in result.prompts] == [row["question"] for row in ROWS]
    assert [p.line for p in result.prompts] == [1, 2]
    assert result.prompts[1].reference == "Hold the button."


def test_hugging_face_save_to_disk_folder(tmp_path: Path) -> None:
    datasets = pytest.importorskip("datasets")
    chat = [{"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}]}]
    datasets.DatasetDict({"train": datasets.Dataset.from_list(chat)}).save_to_disk(tmp_path / "dict")
    datasets.Dataset.from_list(ROWS).save_to_disk(tmp_path / "single")

    assert read_prompt_set(tmp_path / "dict").prompts[0].messages == chat[0]["messages"]
    assert user_prompts(tmp_path / "single") == [row["question"] for row in ROWS]


def test_openai_request_logs_and_batch_lines(tmp_path: Path) -> None:
    tools = [{"type": "function", "function": {"name": "lookup", "parameters": {"type": "object"}}}]
    request = {
        "model": "gpt-4o",
        "messages": [
            {"role": "developer", "content": "You are terse."},
            {
                "role": "user",
                "content": [{"type": "text", "text": "Find"}, {"type": "text", "text": "order 7"}],
            },
        ],
        "tools": tools,
    }
    batch = {
        "custom_id": "req-1",
        "method": "POST",
        "body": {"messages": [{"role": "user", "content": "Hey"}]},
    }
    image = {"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "x"}}]}]}

    result = read_prompt_set(write_jsonl(tmp_path / "log.jsonl", [request, batch, image]))

    logged, batched = result.prompts
    assert logged.messages == [
        {"role": "system", "content": "You are terse."},
        {"role": "user", "content": "Find\norder 7"},
    ]
    assert logged.tools == tools
    assert logged.uses_tools
    assert logged.variables == {"model": "gpt-4o"}
    assert batched.messages == [{"role": "user", "content": "Hey"}]
    assert batched.variables["custom_id"] == "req-1"
    assert [(bad.line, bad.reason) for bad in result.errors] == [
        (3, "message 1 has a 'image_url' content part; only text is supported")
    ]


def test_a_logged_final_answer_becomes_the_reference(tmp_path: Path) -> None:
    turns = [
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello!"},
        {"role": "user", "content": "Tell me a joke"},
        {"role": "assistant", "content": "No."},
    ]
    prompt = read_prompt_set(write_jsonl(tmp_path / "c.jsonl", [{"messages": turns}])).prompts[0]

    assert prompt.messages == turns[:3]
    assert prompt.reference == "No."


def test_explicit_mapping_names_the_fields(tmp_path: Path) -> None:
    rows = [{"ask": "Translate 'cat'", "persona": "A linguist.", "gold": "chat", "lang": "fr", "n": 1}]
    mapping = PromptMapping(
        prompt_field="ask", system_field="persona", reference_field="gold", variable_fields=("lang",)
    )

    prompt = read_prompt_set(write_jsonl(tmp_path / "m.jsonl", rows), mapping=mapping).prompts[0]

    assert prompt.messages == [
        {"role": "system", "content": "A linguist."},
        {"role": "user", "content": "Translate 'cat'"},
    ]
    assert prompt.reference == "chat"
    assert prompt.variables == {"lang": "fr"}
    missing = read_prompt_set(tmp_path / "m.jsonl", mapping=PromptMapping(prompt_field="query"))
    assert [(bad.line, bad.reason) for bad in missing.errors] == [(1, "the prompt field 'query' is missing")]


def test_bad_lines_are_named_and_the_import_goes_on(tmp_path: Path) -> None:
    path = tmp_path / "p.jsonl"
    path.write_text('{"prompt": "One"}\nnot json\n{"other": 1}\n{"prompt": ""}\n{"prompt": "Two"}\n')

    result = read_prompt_set(path)

    assert user_prompts(path) == ["One", "Two"]
    assert [bad.line for bad in result.errors] == [2, 3, 4]
    assert result.errors[0].reason.startswith("invalid JSON")
    assert result.errors[1].reason.startswith("no prompt field")
    assert result.errors[2].reason == "the prompt field 'prompt' is empty"


def test_max_errors_stops_the_import_at_the_line_past_it(tmp_path: Path) -> None:
    path = tmp_path / "p.jsonl"
    path.write_text('{"prompt": "One"}\nbad\nbad\n{"prompt": "Two"}\n')

    assert len(read_prompt_set(path, max_errors=2).errors) == 2
    with pytest.raises(TooManyErrors, match=r"^line 3: "):
        read_prompt_set(path, max_errors=1)


def test_repeated_prompts_are_left_out_by_their_normalized_fingerprint(tmp_path: Path) -> None:
    rows = [
        {"prompt": "Where is my parcel?"},
        {"prompt": "where is  my parcel? "},
        {"prompt": "Where is my parcel?", "system": "Be kind."},  # another system prompt: another prompt
        {"prompt": "Where is my invoice?"},
    ]
    path = write_jsonl(tmp_path / "d.jsonl", rows)

    result = read_prompt_set(path)

    assert [p.line for p in result.prompts] == [1, 3, 4]
    assert [(d.line, d.first_line) for d in result.duplicates] == [(2, 1)]
    assert len(read_prompt_set(path, dedup=False).prompts) == 4
