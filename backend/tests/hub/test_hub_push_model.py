"""A completed fine-tune run pushed to a Hub model repo by a worker, against the fake Hub.

A tiny Llama (random weights, built here) is fine-tuned for 2 steps into the run's folder, merged and
exported to GGUF; the API checks the push (owner or admin, completed run, outputs present, a stored
token) and a real worker commits the files with a model card carrying the run's evaluation.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import torch
import yaml

from app.core.config import Settings
from app.core.db import create_engine, create_sessionmaker
from app.finetune.runner import run_folder
from app.models import FinetuneRun, Role, RunStatus
from distillation.finetune import FinetuneConfig, finetune
from distillation.testing.fake_hub import FakeHubServer
from distillation.testing.tiny_models import chat_rows, save_tiny
from tests.conftest import WorkerProcess, migrate
from tests.datasets.factories import client_as, seed_dataset
from tests.test_worker import wait_for_task

TOKEN = "hf_model_push_secret"
EVALUATION: dict[str, Any] = {
    "data_type": "qa",
    "heldout_ids": ["a", "b", "c"],
    "models": [
        {"role": "base", "model": "tiny-llama", "rows": 3, "heldout_loss": 4.0, "cost_per_1000": "0"},
        {"role": "tuned", "model": "tuned:run", "rows": 3, "heldout_loss": 3.5, "cost_per_1000": "0"},
    ],
    "pairwise": [
        {
            "candidate": "tuned", "candidate_model": "tuned:run", "opponent": "base",
            "opponent_model": "tiny-llama", "judge": "openai:gpt-4o-mini", "rows": 3,
            "win_rate": 2 / 3, "tie_rate": 1 / 3, "loss_rate": 0.0,
        }
    ],
}  # fmt: skip


async def _runs(settings: Settings, dataset_id: uuid.UUID) -> list[uuid.UUID]:
    """A completed run with an evaluation, a running one, and a completed one with no outputs."""
    engine = create_engine(settings, pooled=False)
    async with create_sessionmaker(engine)() as session:
        runs = [
            FinetuneRun(
                dataset_id=dataset_id, dataset_version=1, name=name, status=status, config={},
                evaluation=evaluation,
            )
            for name, status, evaluation in (
                ("done", RunStatus.completed, EVALUATION),
                ("busy", RunStatus.running, None),
                ("empty", RunStatus.completed, None),
            )
        ]  # fmt: skip
        session.add_all(runs)
        await session.commit()
        ids = [run.id for run in runs]
    await engine.dispose()
    return ids


def _train(tmp_path: Path, folder: Path) -> None:
    config = FinetuneConfig(
        base_model=str(save_tiny(tmp_path / "tiny-llama", "llama")), max_steps=2, batch_size=4,
        max_seq_length=64, heldout_fraction=0, learning_rate=1e-3, lora_r=4, lora_alpha=8, device="cpu",
        gguf=("f16",),
    )  # fmt: skip
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        assert finetune(chat_rows(), folder, config).status == "completed"
    finally:
        torch.set_num_threads(threads)


@pytest.mark.slow
async def test_a_completed_run_is_pushed_with_its_card_and_a_bad_token_fails_in_words(
    sqlite_settings: Settings, tmp_path: Path, start_worker: Callable[..., WorkerProcess]
) -> None:
    await migrate(sqlite_settings)
    with FakeHubServer({TOKEN: "alice"}) as hub:
        settings = sqlite_settings.model_copy(update={"hub_endpoint": hub.url})
        done, busy, empty = await _runs(settings, await seed_dataset(settings))
        _train(tmp_path, run_folder(settings, done) / "run")
        start_worker(settings)
        body = {"repo_id": "alice/tiny-tuned", "outputs": ["adapter", "gguf"]}
        async with client_as(settings) as admin:
            no_token = await admin.post(f"/api/v1/finetune/{done}/push", json=body)
            await admin.put("/api/v1/hub/token", json={"token": TOKEN})
            running = await admin.post(f"/api/v1/finetune/{busy}/push", json=body)
            nothing = await admin.post(f"/api/v1/finetune/{empty}/push", json=body)
            unknown = await admin.post(f"/api/v1/finetune/{done}/push", json={**body, "outputs": ["x"]})
            started = await admin.post(f"/api/v1/finetune/{done}/push", json=body)
            assert started.status_code == 202, started.text
            pushed = await wait_for_task(admin, started.json()["id"])
            await admin.put("/api/v1/hub/token", json={"token": "hf_revoked_token"})
            refused = await admin.post(f"/api/v1/finetune/{done}/push", json=body)
            failed = await wait_for_task(admin, refused.json()["id"])
        async with client_as(settings, Role.editor) as editor:
            not_owner = await editor.post(f"/api/v1/finetune/{done}/push", json=body)
        repo = hub.repos["alice/tiny-tuned"]
    assert no_token.status_code == 422
    assert "Hugging Face token" in no_token.json()["detail"]
    assert running.status_code == 409
    assert "completed" in running.json()["detail"]
    assert nothing.status_code == 422
    assert "holds: none" in nothing.json()["detail"]
    assert unknown.status_code == 422
    assert pushed["status"] == "succeeded", pushed
    result = pushed["result"]
    assert result["url"] == f"{hub.url}/alice/tiny-tuned"
    assert result["commit_url"].startswith(f"{hub.url}/alice/tiny-tuned/commit/")
    assert result["outputs"] == ["adapter", "gguf"]
    assert TOKEN not in str(pushed)
    assert repo.repo_type == "model"
    assert repo.private is True
    assert "adapter_config.json" in repo.files
    assert any(name.startswith("gguf/") and name.endswith(".gguf") for name in repo.files)
    assert "gguf/Modelfile" in repo.files
    assert set(result["files"]) == set(repo.files)
    card = repo.files["README.md"].decode()
    header = yaml.safe_load(card.split("---\n")[1])
    assert header["base_model"] == "tiny-llama"
    assert header["library_name"] == "peft"
    assert "gguf" in header["tags"]
    assert "## Training settings" in card
    assert "## Evaluation" in card
    assert "| base (tiny-llama) | 67% | 33% | 0% | 3 | openai:gpt-4o-mini |" in card
    assert failed["status"] == "failed"
    assert "401" in failed["error"]
    assert "token" in failed["error"]
    assert "hf_revoked_token" not in str(failed)
    assert not_owner.status_code == 403
