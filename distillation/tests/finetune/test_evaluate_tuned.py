"""A run evaluated against another model given as ``tuned:<run>``, judged pairwise by the fake provider."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from distillation.evaluate import EvaluationConfig, evaluate
from distillation.finetune import FinetuneConfig, finetune
from distillation.providers import Credentials
from distillation.testing import FakeProviderServer, ok

pytestmark = [pytest.mark.slow, pytest.mark.local_model]
JUDGE = "openai:gpt-4o-mini"


def test_a_tuned_run_is_the_opponent_of_the_evaluation(qa_dataset: Path, tmp_path: Path) -> None:
    config = FinetuneConfig(
        max_steps=1,
        batch_size=2,
        max_seq_length=256,
        lora_r=4,
        lora_alpha=8,
        heldout_fraction=0.15,
        device="cpu",
    )
    run = finetune(qa_dataset, tmp_path / "run", config).output_dir
    always_a = json.dumps({"winner": "A", "score_a": 7, "score_b": 4, "reason": "A is first"})
    settings = EvaluationConfig(
        max_rows=2, max_new_tokens=6, device="cpu", teacher=f"tuned:{run}", judge=JUDGE, side_by_side_rows=1
    )

    with FakeProviderServer(default=ok(text=always_a)) as server:
        credentials = {"openai": Credentials(api_key="k", base_url=server.openai_base_url)}
        report = evaluate(qa_dataset, run, settings, credentials=credentials)

    teacher = report.model("teacher")
    tuned = report.model("tuned")
    assert teacher is not None
    assert tuned is not None
    assert teacher.model == f"tuned:{run}"
    # The same run through its provider answers what it answers in-process (both greedy), except that
    # a provider answer cut off at max_tokens is a failed answer (a local one is kept as it is).
    for through_provider, in_process in zip(teacher.samples, tuned.samples, strict=True):
        cut = any("cut off by the token limit" in p for p in through_provider.problems)
        assert through_provider.answer == in_process.answer or cut, through_provider.problems
    assert teacher.cost_per_1000 == 0
    vs_base = next(p for p in report.pairwise if p.opponent == "base")
    vs_teacher = next(p for p in report.pairwise if p.opponent == "teacher")
    # A judge that always names the first answer is caught: no row is a win or a loss on its word.
    assert vs_base.position_inconsistent == vs_base.ties == 2
    assert vs_base.win_rate == 0.0
    # Against the other run: judged rows are inconsistent, a row it did not answer is the tuned's win.
    assert vs_teacher.position_inconsistent + vs_teacher.wins == 2
    assert vs_teacher.position_inconsistent == teacher.rows - teacher.failed
    assert [v.opponent for v in report.side_by_side[0].verdicts] == ["base", "teacher"]
    judged = [r for r in server.requests if "[Answer A]" in r.text]
    assert len(judged) == 2 * (2 + vs_teacher.position_inconsistent)
