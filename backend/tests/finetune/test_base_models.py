"""The base models on offer: the bundled one, the local HF cache, FINETUNE_MODELS_DIR; ids only, no paths."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import torch

from app.core.config import Settings
from distillation.testing.tiny_models import save_tiny, save_tiny_in_cache
from tests.conftest import api_client, login, make_settings, migrate
from tests.datasets.factories import chat, jsonl

MODEL_ID = "tiny-org/tiny-qwen2"


@pytest.fixture
def hub_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty Hugging Face hub cache the API's lookups read."""
    cache = tmp_path / "hf-home" / "hub"
    cache.mkdir(parents=True)
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_CACHE", str(cache))
    return cache


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """SQLite settings whose models folder holds a tiny Llama folder and a stray file."""
    models = tmp_path / "models"
    save_tiny(models / "tiny-llama", "llama")
    (models / "notes.txt").write_text("not a model")
    return make_settings(tmp_path / "data", finetune_models_dir=models)


async def _dataset(client: Any) -> str:
    rows = [{"messages": chat(f"Question {i} about parcels?", "An answer " * 10)} for i in range(6)]
    uploaded = await client.post(
        "/api/v1/datasets/upload",
        files={"file": ("support.jsonl", jsonl(*rows))},
        data={"name": "support", "data_type": "qa"},
    )
    assert uploaded.status_code == 201, uploaded.text
    body = uploaded.json()
    return str(body["dataset"]["id"] if "dataset" in body else body["id"])


@pytest.mark.slow
async def test_the_list_shows_each_local_model_with_its_size_and_estimate_for_the_dataset(
    settings: Settings, hub_cache: Path
) -> None:
    save_tiny_in_cache(hub_cache, MODEL_ID, "qwen2")
    await migrate(settings)
    async with api_client(settings) as client:
        await login(client)
        dataset_id = await _dataset(client)
        bare = (await client.get("/api/v1/finetune/base-models")).json()
        listed = (
            await client.get("/api/v1/finetune/base-models", params={"dataset_id": dataset_id, "epochs": 2})
        ).json()
    models = {model["id"]: model for model in listed["models"]}
    assert list(models) == ["local:smollm2-135m", MODEL_ID, "dir:tiny-llama"]
    assert (models[MODEL_ID]["kind"], models[MODEL_ID]["architecture"]) == ("hub_cache", "qwen2")
    assert models["dir:tiny-llama"]["architecture"] == "llama"
    bundled = models["local:smollm2-135m"]
    assert 100e6 < bundled["params"] < 200e6
    assert bundled["context_length"] >= 2048
    assert models["dir:tiny-llama"]["params"] < 1e6 < bundled["params"]
    assert all(m["bytes_on_disk"] > 0 and m["estimate_memory_bytes"] > 0 for m in models.values())
    # 6 rows x (about 28 + 100 characters / 4 chars a token) x 2 epochs
    assert 250 < listed["dataset_tokens"] < 450
    tiny = models["dir:tiny-llama"]
    expected = listed["dataset_tokens"] / tiny["estimate_tokens_per_s"]
    assert tiny["estimate_seconds"] == pytest.approx(expected, rel=0.01)
    assert bundled["estimate_seconds"] > tiny["estimate_seconds"]
    assert bare["dataset_tokens"] is None
    assert {m["estimate_seconds"] for m in bare["models"]} == {None}
    assert listed["cuda"] is torch.cuda.is_available()


async def test_a_run_starts_only_from_a_listed_model_and_gpu_options_need_a_gpu(
    settings: Settings, tmp_path: Path, hub_cache: Path
) -> None:
    elsewhere = save_tiny(tmp_path / "elsewhere", "llama")
    await migrate(settings)
    async with api_client(settings) as client:
        await login(client)
        dataset_id = await _dataset(client)

        async def start(**fields: Any) -> Any:
            return await client.post(
                "/api/v1/finetune", json={"dataset_id": dataset_id, "max_steps": 1, **fields}
            )

        by_path = await start(base_model=str(elsewhere))
        traversal = await start(base_model="dir:../elsewhere")
        uncached = await start(base_model="tiny-org/not-cached")
        chosen = await start(base_model="dir:tiny-llama", gguf=["q8_0"])
        gpu_refusals = [
            await start(quantize="4bit"),
            await start(gradient_checkpointing=True),
            await start(bf16=True),
        ]
    for refused in (by_path, traversal, uncached):
        assert refused.status_code == 400, refused.text
        assert "not available here" in refused.json()["detail"]
    assert chosen.status_code == 201, chosen.text
    config = chosen.json()["config"]
    assert config["base_model"] == str((tmp_path / "models" / "tiny-llama").resolve())
    assert config["gguf"] == ["q8_0"]
    if not torch.cuda.is_available():
        assert [r.status_code for r in gpu_refusals] == [400, 400, 400]
        assert ["this machine has none" in r.json()["detail"] for r in gpu_refusals] == [True] * 3
