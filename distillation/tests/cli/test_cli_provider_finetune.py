"""``distillery provider-finetune``: a fine-tune through the fake server's APIs, resumed and cancelled."""

from __future__ import annotations

import json
from pathlib import Path

from cli_fakes import cli_app, invoke

from distillation.testing import FakeProviderServer, FinetunePlan

ROWS = [
    {
        "messages": [
            {"role": "user", "content": f"Capital number {n}?"},
            {"role": "assistant", "content": f"City {n}"},
        ]
    }
    for n in range(10)
]


def dataset(tmp_path: Path) -> Path:
    path = tmp_path / "qa.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in ROWS))
    return path


def test_openai_fine_tune_prints_progress_model_and_cost(tmp_path: Path) -> None:
    with FakeProviderServer(finetunes=FinetunePlan(steps=3)) as server:
        args: list[str | Path] = [
            "provider-finetune",
            dataset(tmp_path),
            "--base-model",
            "gpt-4o-mini-2024-07-18",
        ]
        result = invoke(cli_app(server), *args, "--output", tmp_path / "run", "--poll", "0")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "job ftjob-fake1 created" in out
    assert "status: queued" in out
    assert "status: running" in out
    assert "step 3: train loss" in out
    assert "model: openai:ft:gpt-4o-mini-2024-07-18:distillery::" in out
    assert "estimated cost: $" in out
    saved = json.loads((tmp_path / "run" / "result.json").read_text())
    assert saved["status"] == "succeeded"
    assert [m["step"] for m in saved["metrics"]] == [1, 2, 3]
    assert saved["cost_usd"] is not None


def test_a_job_is_resumed_by_id_cancelled_and_a_failure_exits_1(tmp_path: Path) -> None:
    with FakeProviderServer(finetunes=FinetunePlan(steps=40)) as server:
        app = cli_app(server)
        client_job = _start(server, tmp_path)
        cancelled = invoke(app, "provider-finetune", "--job", client_job, "--cancel")
        assert cancelled.exit_code == 0, cancelled.output
        assert f"{client_job}: cancelled" in cancelled.stdout
        resumed = invoke(
            app, "provider-finetune", "--job", client_job, "--output", tmp_path / "r", "--poll", "0"
        )
        assert resumed.exit_code == 2
        assert "cancelled" in resumed.stdout
        bad = tmp_path / "bad.jsonl"
        bad.write_text(json.dumps({"messages": [{"role": "user", "content": "only a question"}]}) + "\n")
        refused = invoke(
            app,
            "provider-finetune",
            bad,
            "--base-model",
            "gpt-4o-mini-2024-07-18",
            "--poll",
            "0",
            "--output",
            tmp_path / "b",
        )
        assert refused.exit_code == 1
        assert "error:" in refused.output
        server.reset(finetunes=FinetunePlan(steps=4, fail_at_step=2))
        args: list[str | Path] = [
            "provider-finetune",
            dataset(tmp_path),
            "--base-model",
            "gpt-4o-mini-2024-07-18",
            "--poll",
            "0",
        ]
        failed = invoke(app, *args, "--output", tmp_path / "f")
        assert failed.exit_code == 1
        assert "failed: Fine-tuning job failed due to an internal error" in failed.stdout


def test_together_provider_and_a_missing_key(tmp_path: Path) -> None:
    with FakeProviderServer(finetunes=FinetunePlan(steps=1)) as server:
        args: list[str | Path] = [
            "provider-finetune",
            dataset(tmp_path),
            "--provider",
            "together",
            "--base-model",
            "m/base",
        ]
        result = invoke(cli_app(server), *args, "--output", tmp_path / "run", "--poll", "0")
    assert result.exit_code == 0, result.output
    assert "model: together:distillery/base-" in result.stdout
    assert "estimated cost: unknown" in result.stdout
    missing = invoke(cli_app(None), "provider-finetune", dataset(tmp_path), "--base-model", "gpt-4o-mini")
    assert missing.exit_code == 2
    assert "OPENAI_API_KEY" in missing.output


def _start(server: FakeProviderServer, tmp_path: Path) -> str:
    from distillation.finetune.provider import ProviderFinetuneRequest, provider_client

    client = provider_client("openai", {"api_key": "test", "base_url": server.openai_base_url})
    file_id = client.upload(dataset(tmp_path))
    return client.create(file_id, ProviderFinetuneRequest(base_model="gpt-4o-mini-2024-07-18")).id
