"""A run on a chosen base model writes its outputs to download, and its tuned student writes a job's rows.

A tiny Llama (random weights, built here) in FINETUNE_MODELS_DIR is fine-tuned for 2 steps by a real
worker, merged and exported to GGUF; its files are listed and downloaded by the owner only; then a
generation job names ``tuned:<run id>`` as its student, and the worker asks the tuned model for the rows.
"""

from __future__ import annotations

import asyncio
import io
import zipfile
from collections.abc import Callable
from pathlib import Path

from app.models import Role
from distillation.testing import FakeProviderServer
from distillation.testing.answers import varied_answer
from distillation.testing.tiny_models import chat_rows, save_tiny
from tests.conftest import WorkerProcess, api_client, login, make_settings, migrate
from tests.datasets.factories import client_as, jsonl
from tests.finetune.test_runs import poll
from tests.jobs.jobkit import generation, job_settings, wait_for

GGUF_MAGIC = b"GGUF"


async def test_a_tuned_tiny_model_is_exported_downloaded_and_answers_as_a_jobs_student(
    tmp_path: Path, start_worker: Callable[..., WorkerProcess]
) -> None:
    models = tmp_path / "models"
    save_tiny(models / "tiny-llama", "llama")
    with FakeProviderServer(varied_answer) as server:
        settings = job_settings(make_settings(tmp_path / "data", finetune_models_dir=models), server)
        await migrate(settings)
        start_worker(settings, "--beat")
        async with api_client(settings) as client:
            await login(client)
            uploaded = await client.post(
                "/api/v1/datasets/upload",
                files={"file": ("tiny.jsonl", jsonl(*chat_rows(8)))},
                data={"name": "tiny", "data_type": "qa"},
            )
            assert uploaded.status_code == 201, uploaded.text
            body = uploaded.json()
            dataset_id = body["dataset"]["id"] if "dataset" in body else body["id"]
            started = await client.post(
                "/api/v1/finetune",
                json={
                    "dataset_id": dataset_id, "base_model": "dir:tiny-llama", "max_steps": 2,
                    "batch_size": 4, "max_seq_length": 64, "lora_r": 4, "lora_alpha": 8,
                    "heldout_fraction": 0.25, "evaluate": False, "merge": True, "gguf": ["f16"],
                },
            )  # fmt: skip
            assert started.status_code == 201, started.text
            run = await poll(client, f"/api/v1/finetune/{started.json()['id']}", ("completed", "failed"))
            assert run["status"] == "completed", run["error"]
            listing = (await client.get(f"/api/v1/finetune/{run['id']}/files")).json()
            base = f"/api/v1/finetune/{run['id']}/files"
            names = [f["name"] for f in listing]
            adapter = await client.get(f"{base}/adapter.zip")
            gguf_name = next(n for n in names if n.endswith(".gguf"))
            gguf = await client.get(f"{base}/{gguf_name}")
            modelfile = await client.get(f"{base}/Modelfile")
            escapes = [await client.get(f"{base}/{name}") for name in ("run.json", "..%2Frun.json")]

            job_started = await client.post(
                "/api/v1/jobs/generate", json=generation(6, student=f"tuned:{run['id']}")
            )
            assert job_started.status_code == 201, job_started.text
            job = await wait_for(
                client, job_started.json()["id"], ("completed", "failed", "cancelled"), within=600
            )
            calls = (await client.get(f"/api/v1/jobs/{job['id']}/calls", params={"page_size": 500})).json()[
                "items"
            ]
            not_a_run = await client.post(
                "/api/v1/jobs/generate", json=generation(6, student=f"tuned:{dataset_id}")
            )
        async with client_as(settings, Role.editor) as other:
            refused = await other.get(base)
            refused_download = await other.get(f"{base}/adapter.zip")

    assert [f["kind"] for f in listing] == ["adapter", "merged", "gguf", "modelfile", "card"]
    assert all(f["bytes"] > 0 for f in listing)
    assert adapter.status_code == 200
    assert adapter.headers["content-disposition"] == 'attachment; filename="adapter.zip"'
    archive = zipfile.ZipFile(io.BytesIO(adapter.content))
    assert "adapter/adapter_config.json" in archive.namelist()
    assert "adapter/adapter_model.safetensors" in archive.namelist()
    assert gguf.content[:4] == GGUF_MAGIC
    assert len(gguf.content) == next(f["bytes"] for f in listing if f["name"] == gguf_name)
    assert f"FROM ./{gguf_name}" in modelfile.text
    assert [r.status_code for r in escapes] == [404, 404]
    assert (refused.status_code, refused_download.status_code) == (403, 403)
    # The tuned student was asked for the bulk rows (random weights: what it writes may be refused).
    student_calls = [c for c in calls if (c["provider"], c["model"]) == ("tuned", run["id"])]
    assert student_calls, calls
    assert {c["stage"] for c in student_calls} >= {"bulk"}
    assert job["status"] in ("completed", "failed"), job
    assert not_a_run.status_code == 404, not_a_run.text
    assert not await asyncio.to_thread((settings.data_dir / "run-files").exists)
