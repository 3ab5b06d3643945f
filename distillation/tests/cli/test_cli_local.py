"""One real offline run: ``distillery generate`` with the bundled SmolLM2 as teacher and judge."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from cli_fakes import cli_app, invoke, read_jsonl

from distillation.commands.options import LOCAL_JUDGE_NOTE, LOCAL_MODEL

pytestmark = pytest.mark.local_model


def test_generate_runs_offline_on_the_bundled_model(tmp_path: Path) -> None:
    output = tmp_path / "qa.jsonl"
    # Two teacher rows and one student row: with an in-process teacher the task policy comes from
    # the seed rows (no model call), so the student's path costs one more row.
    args = ["generate", "--data-type", "qa", "--domain", "Customer Support", "--count", "3"]
    result = invoke(cli_app(None), *args, "--teacher-ratio", "0.5", "--max-tokens", "160", "--output", output)

    assert LOCAL_JUDGE_NOTE in " ".join(result.stderr.split())
    assert result.exit_code in (0, 2), result.output  # a 135M model may fail to fill every row
    rows = read_jsonl(output)
    assert rows, result.output
    for row in rows:
        provenance = row["metadata"]["provenance"]
        assert provenance["model"] == LOCAL_MODEL
        assert row["messages"][0]["content"]
        assert row["messages"][1]["content"]
        if provenance["judge_route"] != "sampled out":  # the judge policy judges a share of student rows
            assert provenance["judge_scores"] is not None or provenance["judge_feedback"]
    rejected = read_jsonl(tmp_path / "qa.rejected.jsonl")
    stages = {row["metadata"]["provenance"]["stage"] for row in rows} | {r["stage"] for r in rejected}
    assert stages == {"seed", "bulk"}, result.output
    # A free run says there is nothing to save instead of "saved $0.00 vs teacher-only $0.00".
    assert re.search(r"cost: \$0\.00 for \d+ new requests", result.stdout)
    assert "nothing to save: the teacher alone would cost nothing either" in result.stdout
    assert "vs teacher-only" not in result.stdout


def test_relabel_runs_offline_on_the_bundled_model(tmp_path: Path) -> None:
    prompts = tmp_path / "prompts.csv"
    prompts.write_text('prompt\nSay hello in three words.\n"Name one colour, in one word."\n"a","b"\n')
    output = tmp_path / "answers.jsonl"
    args: list[str | Path] = ["relabel", prompts, "--output", output, "--max-tokens", "200"]
    args += ["--judge-sample-rate", "0"]

    result = invoke(cli_app(None), *args)

    assert "line 4: expected 1 columns, got 2" in result.output
    assert result.exit_code in (0, 2), result.output  # a 135M model may run past the token cap
    rows = read_jsonl(output) + read_jsonl(tmp_path / "answers.rejected.jsonl")
    assert len(rows) == 2, result.output
    for row in read_jsonl(output):
        assert row["metadata"]["provenance"]["model"] == LOCAL_MODEL
        assert row["messages"][-1]["role"] == "assistant"
        assert row["messages"][-1]["content"]
    assert "cost: $0.00 for new requests" in result.stdout
