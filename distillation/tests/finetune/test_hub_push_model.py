"""A tuned tiny model pushed to the fake Hub as a model repo: its files, its card, and the refusals.

One tiny Llama (random weights, built here) is fine-tuned for 2 steps, merged and exported to GGUF
once for the module; each test pushes some of its outputs to a ``FakeHubServer`` and reads back what
the repo holds.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import typer
import yaml
from typer.testing import CliRunner

from distillation.cli import register
from distillation.evaluate import EvaluationReport, ModelEvaluation
from distillation.evaluate.pairwise import PairwiseResult
from distillation.export import HubPushError, HubTarget
from distillation.finetune import FinetuneConfig, finetune
from distillation.finetune.hub import available_outputs, push_model
from distillation.testing.fake_hub import FakeHubServer
from distillation.testing.tiny_models import chat_rows, save_tiny

pytestmark = pytest.mark.usefixtures("hub_online")
TOKEN = "hf_secret_write_token"


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("hub-run")
    base = save_tiny(root / "tiny-llama", "llama")
    config = FinetuneConfig(
        base_model=str(base), max_steps=2, batch_size=4, max_seq_length=64, heldout_fraction=0.25,
        learning_rate=1e-3, lora_r=4, lora_alpha=8, device="cpu", gguf=("f16",),
    )  # fmt: skip
    result = finetune(chat_rows(), root / "run", config)
    assert result.status == "completed"
    return result.output_dir


def front_matter(card: bytes) -> dict[str, Any]:
    text = card.decode()
    assert text.startswith("---\n")
    data = yaml.safe_load(text.split("---\n")[1])
    assert isinstance(data, dict)
    return data


def test_all_outputs_go_to_a_model_repo_with_the_merged_model_at_the_root(run_dir: Path) -> None:
    report = EvaluationReport(
        data_type="qa",
        heldout_ids=["r1", "r2"],
        models=[
            ModelEvaluation(role="base", model="tiny-llama", rows=2, heldout_loss=3.25, rouge_l=0.1),
            ModelEvaluation(role="tuned", model="tuned:run", rows=2, heldout_loss=2.5, rouge_l=0.4),
        ],
        pairwise=[
            PairwiseResult(
                candidate="tuned", candidate_model="tuned:run", opponent="base", opponent_model="tiny-llama",
                judge="openai:gpt-4o-mini", rows=2, wins=1, ties=1, win_rate=0.5, tie_rate=0.5, loss_rate=0.0,
            )
        ],
    )  # fmt: skip
    lines: list[str] = []
    with FakeHubServer({TOKEN: "alice"}) as hub:
        result = push_model(
            run_dir,
            HubTarget("alice/tiny-tuned", TOKEN),
            what=("gguf", "adapter", "merged"),
            endpoint=hub.url,
            evaluation=report.model_dump(mode="json"),
            progress=lines.append,
        )
        repo = hub.repos["alice/tiny-tuned"]
        paths = [path for _, path in hub.requests]
    assert repo.repo_type == "model"
    assert repo.private
    assert any(path.startswith("/api/models/alice/tiny-tuned/commit/") for path in paths)
    assert result.url == f"{hub.url}/alice/tiny-tuned"
    assert result.commit_url.startswith(f"{hub.url}/alice/tiny-tuned/commit/")
    assert result.outputs == ("adapter", "merged", "gguf")
    assert set(result.files) == set(repo.files)
    merged = run_dir / "merged"
    for file in merged.iterdir():
        assert repo.files[file.name] == file.read_bytes()
    assert (
        repo.files["adapter/adapter_config.json"]
        == (run_dir / "adapter" / "adapter_config.json").read_bytes()
    )
    assert "adapter/adapter_model.safetensors" in repo.files
    gguf = next((run_dir / "gguf").glob("*.gguf"))
    assert repo.files[f"gguf/{gguf.name}"][:4] == b"GGUF"
    assert "gguf/Modelfile" in repo.files
    card = repo.files["README.md"]
    header = front_matter(card)
    assert header["base_model"] == "tiny-llama"
    assert header["library_name"] == "transformers"
    assert {"gguf", "lora", "distillery"} <= set(header["tags"])
    text = card.decode()
    assert "## Training settings" in text
    assert "LoRA r / alpha / dropout | 4 / 8" in text
    assert "Fine-tuned by Distillery on `records given in memory`" in text
    assert 'subfolder="adapter"' in text
    assert f"`{gguf.name}`" in text
    assert "## Evaluation" in text
    assert "| tuned (tuned:run) | 2.5000 | 0.400 |" in text
    assert "| base (tiny-llama) | 50% | 50% | 0% | 2 | openai:gpt-4o-mini |" in text
    assert lines[0] == "laying out the files"
    assert lines[-1] == "pushed"
    assert not any(p.name.startswith(".hub-push-") for p in run_dir.iterdir())


def test_an_adapter_alone_sits_at_the_root_as_a_peft_repo(run_dir: Path) -> None:
    with FakeHubServer({TOKEN: "alice"}) as hub:
        result = push_model(run_dir, HubTarget("alice/lora", TOKEN, private=False), endpoint=hub.url)
        repo = hub.repos["alice/lora"]
    assert result.outputs == ("adapter",)
    assert not repo.private
    assert "adapter_config.json" in repo.files
    assert "adapter_model.safetensors" in repo.files
    assert not any(name.startswith(("adapter/", "gguf/")) or name == "config.json" for name in repo.files)
    header = front_matter(repo.files["README.md"])
    assert header["library_name"] == "peft"
    assert header["base_model_relation"] == "adapter"
    assert "gguf" not in header["tags"]
    assert "## Evaluation" not in repo.files["README.md"].decode()


def test_a_bad_token_is_refused_in_words_and_never_shown(run_dir: Path) -> None:
    lines: list[str] = []
    with FakeHubServer({TOKEN: "alice"}) as hub:
        with pytest.raises(HubPushError) as refused:
            push_model(
                run_dir, HubTarget("alice/x", "hf_wrong_token"), endpoint=hub.url, progress=lines.append
            )
        with pytest.raises(HubPushError) as foreign:
            push_model(run_dir, HubTarget("bob/x", TOKEN), endpoint=hub.url)
        assert hub.repos == {}
    assert refused.value.kind == "unauthorized"
    assert "rejected the token" in str(refused.value)
    assert foreign.value.kind == "forbidden"
    for text in (str(refused.value), repr(refused.value), str(foreign.value), *lines):
        assert "hf_wrong_token" not in text
        assert TOKEN not in text


def test_an_output_the_run_lacks_or_an_unfinished_run_is_refused_before_any_request(
    run_dir: Path, tmp_path: Path
) -> None:
    copy = Path(shutil.copytree(run_dir, tmp_path / "run"))
    shutil.rmtree(copy / "merged")
    shutil.rmtree(copy / "gguf")
    assert available_outputs(copy) == ("adapter",)
    with FakeHubServer({TOKEN: "alice"}) as hub:
        with pytest.raises(ValueError, match="no merged model"):
            push_model(copy, HubTarget("alice/x", TOKEN), what=("merged",), endpoint=hub.url)
        with pytest.raises(ValueError, match="unknown output"):
            push_model(copy, HubTarget("alice/x", TOKEN), what=("weights",), endpoint=hub.url)
        (copy / "run.json").write_text((copy / "run.json").read_text().replace('"completed"', '"running"', 1))
        with pytest.raises(Exception, match="not completed"):
            push_model(copy, HubTarget("alice/x", TOKEN), endpoint=hub.url)
        assert hub.requests == []


def test_the_cli_pushes_with_hf_token_and_reports_a_bad_one(
    run_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = typer.Typer()
    register(app, credentials=lambda provider: None, config_dir=None)
    runner = CliRunner()
    with FakeHubServer({TOKEN: "me"}) as hub:
        monkeypatch.setenv("HF_TOKEN", TOKEN)
        args = ["push-model", str(run_dir), "me/tuned", "--outputs", "adapter,gguf", "--endpoint", hub.url]
        pushed = runner.invoke(app, args)
        refused = runner.invoke(app, [*args[:3], "--hub-token", "hf_wrong_token", "--endpoint", hub.url])
        repo = hub.repos["me/tuned"]
    assert pushed.exit_code == 0, pushed.output
    assert f"to {hub.url}/me/tuned" in pushed.output
    assert "adapter_config.json" in repo.files
    assert any(name.startswith("gguf/") and name.endswith(".gguf") for name in repo.files)
    assert front_matter(repo.files["README.md"])["library_name"] == "peft"
    assert refused.exit_code == 1
    assert "401" in refused.output
    assert "hf_wrong_token" not in refused.output
    assert TOKEN not in pushed.output


def test_finetune_with_push_to_hub_trains_then_pushes_and_refuses_a_bad_repo_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = typer.Typer()
    register(app, credentials=lambda provider: None, config_dir=None)
    base = save_tiny(tmp_path / "tiny-llama", "llama")
    data = tmp_path / "rows.jsonl"
    data.write_text("".join(json.dumps(row) + "\n" for row in chat_rows()))
    settings = ["--base-model", str(base), "--max-steps", "2", "--batch-size", "4", "--max-seq-length", "64"]
    settings += ["--lora-r", "4", "--lora-alpha", "8", "--heldout-fraction", "0", "--device", "cpu"]
    runner = CliRunner()
    with FakeHubServer({TOKEN: "me"}) as hub:
        monkeypatch.setenv("HF_TOKEN", TOKEN)
        bad = runner.invoke(app, ["finetune", str(data), "--output", str(tmp_path / "bad"), *settings,
                                  "--push-to-hub", "no-owner", "--hub-endpoint", hub.url])  # fmt: skip
        done = runner.invoke(app, ["finetune", str(data), "--output", str(tmp_path / "run"), *settings,
                                   "--push-to-hub", "me/cli-run", "--hub-endpoint", hub.url])  # fmt: skip
        repo = hub.repos["me/cli-run"]
    assert bad.exit_code == 2
    assert "invalid Hub repo id" in bad.output
    assert not (tmp_path / "bad").exists()
    assert done.exit_code == 0, done.output
    assert f"to {hub.url}/me/cli-run" in done.output
    assert "adapter_config.json" in repo.files
    assert front_matter(repo.files["README.md"])["library_name"] == "peft"
    assert TOKEN not in done.output
