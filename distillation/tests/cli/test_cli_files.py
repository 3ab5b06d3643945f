"""``distillery validate`` and ``distillery export`` on files, and how options become a run."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from cli_fakes import cli_app, invoke, read_jsonl

from distillation.commands.options import LOCAL_JUDGE_NOTE, LOCAL_MODEL, RunOptions
from distillation.pipeline import LOCAL_MODEL as PIPELINE_LOCAL_MODEL


def chat(question: str, answer: str) -> dict[str, Any]:
    messages = [{"role": "user", "content": question}, {"role": "assistant", "content": answer}]
    return {"messages": messages, "metadata": {"record": {"question": question, "answer": answer}}}


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    rows = [
        chat(f"How do I reset router model {i}?", f"Hold the reset button of model {i}.") for i in range(30)
    ]
    return write_lines(tmp_path / "data.jsonl", [json.dumps(row) for row in rows])


def test_validate_reports_each_bad_row_with_its_line_number(tmp_path: Path) -> None:
    good = json.dumps(chat("What is 2 + 2?", "4."))
    path = write_lines(
        tmp_path / "mixed.jsonl",
        [
            good,
            '{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": ""}]}',
            "this is not json",
            good,
            '{"messages": [{"role": "assistant", "content": "first"}, {"role": "user", "content": "x"}]}',
        ],
    )
    result = invoke(cli_app(None), "validate", path)

    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert [line.split(":")[0] for line in lines if line.startswith("line ")] == [
        "line 2",
        "line 3",
        "line 5",
    ]
    assert "line 2: message 1 has empty or non-text content" in result.stdout
    assert "5 rows: 2 valid, 3 invalid" in result.stdout


def test_validate_with_a_data_type_checks_the_record(tmp_path: Path) -> None:
    bad = chat("Where is my parcel?", "x")
    bad["metadata"]["record"] = {"question": "Where is my parcel?"}
    path = write_lines(
        tmp_path / "qa.jsonl",
        [
            json.dumps(chat("Where is my parcel?", "In Leeds.")),
            json.dumps(bad),
            '{"question": "q?", "answer": "a"}',
        ],
    )
    typed = invoke(cli_app(None), "validate", path, "--data-type", "qa")
    untyped = invoke(cli_app(None), "validate", path)

    assert typed.exit_code == 1
    assert "line 2: qa: answer: Field required" in typed.stdout
    assert "3 rows: 2 valid, 1 invalid" in typed.stdout
    assert "line 3: unrecognized record format" in untyped.stdout  # a bare record is no chat


def test_validate_accepts_a_clean_file_and_rejects_an_unknown_type(dataset: Path) -> None:
    assert invoke(cli_app(None), "validate", dataset).exit_code == 0
    unknown = invoke(cli_app(None), "validate", dataset, "--data-type", "poetry")
    assert unknown.exit_code == 1
    assert "poetry" in unknown.output


@pytest.mark.parametrize(
    ("fmt", "name", "check"),
    [
        ("openai", "train.jsonl", lambda p: set(read_jsonl(p)[0]) == {"messages"}),
        ("alpaca", "train.json", lambda p: {"instruction", "output"} <= set(json.loads(p.read_text())[0])),
        ("sharegpt", "train.json", lambda p: "conversations" in json.loads(p.read_text())[0]),
        ("csv", "train.csv", lambda p: {"user", "assistant"} <= set(next(csv.DictReader(p.open())))),
        ("parquet", "train.parquet", lambda p: pq.read_table(p).num_rows > 0),
    ],
)
def test_export_writes_each_format_with_splits(
    dataset: Path, tmp_path: Path, fmt: str, name: str, check: Any
) -> None:
    out = tmp_path / fmt
    result = invoke(
        cli_app(None), "export", dataset, "--format", fmt, "--output", out, "--splits", "0.8,0.1,0.1"
    )

    assert result.exit_code == 0, result.output
    assert sorted(p.name.split(".")[0] for p in out.iterdir()) == ["test", "train", "validation"]
    counts = [int(line.split(": ")[1].split()[0]) for line in result.stdout.splitlines() if "rows →" in line]
    assert sum(counts) == 30
    assert check(out / name)


def test_export_is_byte_identical_when_repeated_and_reports_bad_input(dataset: Path, tmp_path: Path) -> None:
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    assert invoke(cli_app(None), "export", dataset, "--format", "jsonl", "--output", first).exit_code == 0
    assert invoke(cli_app(None), "export", dataset, "--format", "jsonl", "--output", second).exit_code == 0
    assert first.read_bytes() == second.read_bytes()

    bad_splits = invoke(
        cli_app(None), "export", dataset, "--format", "jsonl", "--output", first, "--splits", "a,b"
    )
    unknown = invoke(cli_app(None), "export", dataset, "--format", "docx", "--output", first)
    assert bad_splits.exit_code == 2
    assert "--splits" in bad_splits.output
    assert unknown.exit_code == 1
    assert "docx" in unknown.output


def test_a_bundled_judge_only_records_scores_unless_thresholds_are_given() -> None:
    assert LOCAL_MODEL == PIPELINE_LOCAL_MODEL
    config, notes = RunOptions(teacher="openai:gpt-4o", judge=LOCAL_MODEL).config()
    assert notes == [LOCAL_JUDGE_NOTE]
    assert not config.thresholds.auto_remove
    assert not config.thresholds.auto_fix

    config, notes = RunOptions(judge=LOCAL_MODEL, min_score=5).config()
    assert notes == []
    assert config.thresholds.auto_remove
    assert config.thresholds.remove_below == 5

    config, notes = RunOptions(teacher="openai:gpt-4o").config()
    assert notes == []
    assert config.thresholds.auto_remove
    assert config.thresholds.fix_below == 7


@pytest.mark.usefixtures("hub_online")
def test_push_sends_the_file_to_the_hub_and_reports_a_bad_token(
    dataset: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from distillation.testing.fake_hub import FakeHubServer

    with FakeHubServer({"hf_cli_token": "me"}) as hub:
        monkeypatch.setenv("HF_TOKEN", "hf_cli_token")
        pushed = invoke(
            cli_app(None), "push", dataset, "--repo", "me/qa", "--format", "jsonl", "--endpoint", hub.url
        )
        monkeypatch.setenv("HF_TOKEN", "hf_wrong_token")
        refused = invoke(cli_app(None), "push", dataset, "--repo", "me/qa", "--endpoint", hub.url)
        repo = hub.repos["me/qa"]
    assert pushed.exit_code == 0, pushed.output
    assert f"pushed to {hub.url}/datasets/me/qa" in pushed.output
    assert sorted(repo.files) == ["README.md", "data/train-00000-of-00001.jsonl"]
    assert repo.private is True
    assert refused.exit_code == 1
    assert "401" in refused.output
    assert "hf_wrong_token" not in refused.output
