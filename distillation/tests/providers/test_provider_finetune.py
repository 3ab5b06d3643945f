"""Provider fine-tuning: the fake server's OpenAI and Together-style APIs, and the library driving them."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest

from distillation.cost.overrides import load_overrides
from distillation.cost.training import TrainingPrices
from distillation.finetune.provider import (
    ProviderEvent,
    ProviderFinetuneError,
    ProviderFinetuneRequest,
    ProviderJob,
    cancel_job,
    follow_job,
    prepare_training_file,
    provider_client,
    provider_finetune,
)
from distillation.testing import FakeProviderServer, FinetunePlan

ROWS = [
    {
        "messages": [
            {"role": "user", "content": f"What is {n} + {n}?"},
            {"role": "assistant", "content": str(2 * n)},
        ]
    }
    for n in range(12)
]


def chat_file(tmp_path: Path, rows: list[dict[str, Any]] = ROWS) -> Path:
    path = tmp_path / "data.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return path


def sdk(server: FakeProviderServer) -> openai.OpenAI:
    return openai.OpenAI(base_url=server.openai_base_url, api_key="test", max_retries=0)


def test_openai_job_walks_every_state_with_metrics_then_its_model_answers(tmp_path: Path) -> None:
    with FakeProviderServer(finetunes=FinetunePlan(steps=3)) as server:
        client = sdk(server)
        upload = client.files.create(file=chat_file(tmp_path).open("rb"), purpose="fine-tune")
        job = client.fine_tuning.jobs.create(model="gpt-4o-mini-2024-07-18", training_file=upload.id)
        assert job.status == "validating_files"
        assert job.fine_tuned_model is None
        model = f"ft:gpt-4o-mini-2024-07-18:distillery::{job.id.removeprefix('ftjob-')}"
        with pytest.raises(openai.NotFoundError):  # not trained yet
            client.chat.completions.create(model=model, messages=[{"role": "user", "content": "hi"}])
        seen = [client.fine_tuning.jobs.retrieve(job.id).status for _ in range(5)]
        assert seen == ["queued", "running", "running", "running", "succeeded"]
        done = client.fine_tuning.jobs.retrieve(job.id)
        assert done.fine_tuned_model == model
        assert done.trained_tokens is not None
        assert done.trained_tokens > 0
        events = list(client.fine_tuning.jobs.list_events(job.id, limit=2))  # pages through `after`
        metrics = [e.data for e in reversed(events) if e.type == "metrics"]
        assert [m["step"] for m in metrics] == [1, 2, 3]  # type: ignore[index]
        losses = [m["train_loss"] for m in metrics]  # type: ignore[index]
        assert losses == sorted(losses, reverse=True)
        checkpoints = client.fine_tuning.jobs.checkpoints.list(job.id)
        assert checkpoints.data[0].step_number == 3
        assert [j.id for j in client.fine_tuning.jobs.list()] == [job.id]
        answer = client.chat.completions.create(model=model, messages=[{"role": "user", "content": "hi"}])
        assert answer.choices[0].message.content
        assert model in [m.id for m in client.models.list()]


def test_openai_bad_file_fails_at_validation_and_cancel_stops_a_job(tmp_path: Path) -> None:
    with FakeProviderServer() as server:
        client = sdk(server)
        bad = client.files.create(file=("bad.jsonl", b'{"prompt": "x"}\n'), purpose="fine-tune")
        job = client.fine_tuning.jobs.create(model="gpt-4o-mini-2024-07-18", training_file=bad.id)
        failed = client.fine_tuning.jobs.retrieve(job.id)
        assert failed.status == "failed"
        assert failed.error is not None
        assert failed.error.code == "invalid_training_file"
        assert "messages" in failed.error.message
        good = client.files.create(file=chat_file(tmp_path).open("rb"), purpose="fine-tune")
        job = client.fine_tuning.jobs.create(model="gpt-4o-mini-2024-07-18", training_file=good.id)
        client.fine_tuning.jobs.retrieve(job.id)
        assert client.fine_tuning.jobs.cancel(job.id).status == "cancelled"
        assert client.fine_tuning.jobs.retrieve(job.id).status == "cancelled"
        with pytest.raises(openai.BadRequestError):  # an ended job cannot be cancelled
            client.fine_tuning.jobs.cancel(job.id)


def test_library_runs_an_openai_job_to_its_model_with_events_and_cost(tmp_path: Path) -> None:
    with FakeProviderServer(finetunes=FinetunePlan(steps=4)) as server:
        client = provider_client("openai", {"api_key": "test", "base_url": server.openai_base_url})
        events: list[ProviderEvent] = []
        statuses: list[str] = []
        result = provider_finetune(
            client,
            chat_file(tmp_path),
            tmp_path / "run",
            ProviderFinetuneRequest(base_model="gpt-4o-mini-2024-07-18", n_epochs=2),
            on_event=events.append,
            on_status=lambda job: statuses.append(job.status),
            poll_s=0,
        )
        job = result.job
        assert job.status == "succeeded"
        assert job.fine_tuned_model is not None
        assert job.fine_tuned_model.startswith("ft:gpt-4o-mini-2024-07-18:distillery::")
        assert statuses[-1] == "succeeded"
        assert "running" in statuses
        assert [step for step, _ in result.metrics] == [1, 2, 3, 4]
        assert len({e.id for e in events}) == len(events) == len(result.events)
        assert result.price_per_million == Decimal("3.00")
        assert job.trained_tokens is not None
        assert result.cost_usd == Decimal(job.trained_tokens) * 3 / Decimal(1_000_000)
        sent = json.loads((tmp_path / "run" / "job.json").read_text())
        assert sent["job_id"] == job.id
        body = next(r.body for r in server.requests if r.path == "/v1/fine_tuning/jobs")
        assert body["method"]["supervised"]["hyperparameters"]["n_epochs"] == 2
        # Resuming by id reports only the events not seen before.
        again: list[ProviderEvent] = []
        follow_job(client, job.id, on_event=again.append, seen={e.id for e in events[:-2]}, poll_s=0)
        assert again == events[-2:]


def test_library_cancels_when_asked_and_reports_a_failed_job(tmp_path: Path) -> None:
    with FakeProviderServer(finetunes=FinetunePlan(steps=50)) as server:
        client = provider_client("openai", {"api_key": "test", "base_url": server.openai_base_url})
        polls = iter(range(100))
        result = provider_finetune(
            client,
            chat_file(tmp_path),
            tmp_path / "run",
            ProviderFinetuneRequest(base_model="gpt-4o-mini-2024-07-18"),
            should_stop=lambda: next(polls) >= 3,
            poll_s=0,
        )
        assert result.job.status == "cancelled"
        assert result.cost_usd is None
        assert cancel_job(client, result.job.id).status == "cancelled"  # an ended job is left alone
        server.reset(finetunes=FinetunePlan(steps=5, fail_at_step=2))
        failed = provider_finetune(
            client,
            chat_file(tmp_path),
            tmp_path / "run2",
            ProviderFinetuneRequest(base_model="gpt-4o-mini-2024-07-18"),
            poll_s=0,
        )
        assert failed.job.status == "failed"
        assert failed.job.error
        assert "internal error" in failed.job.error
        assert failed.job.fine_tuned_model is None


def test_together_style_job_runs_through_http_and_its_model_answers(tmp_path: Path) -> None:
    with FakeProviderServer(finetunes=FinetunePlan(steps=2)) as server:
        client = provider_client("together", {"api_key": "test", "base_url": f"{server.url}/v1"})
        base = "meta-llama/Meta-Llama-3.1-8B-Instruct-Reference"
        prices = TrainingPrices.load(_price_file(tmp_path, f"together:{base}", "0.48"))
        statuses: list[ProviderJob] = []
        result = provider_finetune(
            client,
            chat_file(tmp_path),
            tmp_path / "run",
            ProviderFinetuneRequest(base_model=base, n_epochs=1, suffix="qa"),
            prices=prices,
            on_status=statuses.append,
            poll_s=0,
        )
        assert result.job.status == "succeeded"
        model = result.job.fine_tuned_model
        assert model is not None
        assert model.startswith("distillery/Meta-Llama-3.1-8B-Instruct-Reference-qa-")
        assert [step for step, _ in result.metrics] == [1, 2]
        assert result.price_per_million == Decimal("0.48")
        assert result.cost_usd is not None
        assert any(r.path == "/v1/files/upload" for r in server.requests)
        answer = httpx.post(
            f"{server.url}/v1/chat/completions",
            json={"model": model, "messages": [{"role": "user", "content": "hi"}]},
        )
        assert answer.status_code == 200


def test_together_cancel_and_a_refused_file(tmp_path: Path) -> None:
    with FakeProviderServer(finetunes=FinetunePlan(steps=9)) as server:
        client = provider_client("together", {"api_key": "test", "base_url": f"{server.url}/v1"})
        job = client.create(client.upload(chat_file(tmp_path)), ProviderFinetuneRequest(base_model="m/x"))
        assert job.status == "validating_files"
        assert cancel_job(client, job.id).status == "cancelled"
        with pytest.raises(ProviderFinetuneError, match="invalid training_file"):
            client.create("file-missing", ProviderFinetuneRequest(base_model="m/x"))


def test_a_dataset_is_exported_to_chat_rows_and_a_broken_one_refused(tmp_path: Path) -> None:
    alpaca = tmp_path / "alpaca.jsonl"
    alpaca.write_text(json.dumps({"instruction": "Say hi", "input": "", "output": "hi"}) + "\n")
    path, count = prepare_training_file(alpaca, tmp_path / "out" / "training.jsonl")
    row = json.loads(path.read_text().splitlines()[0])
    assert count == 1
    assert row["messages"][-1] == {"role": "assistant", "content": "hi"}
    empty = tmp_path / "empty.jsonl"
    empty.write_text(json.dumps({"nothing": 1}) + "\n")
    with pytest.raises(ProviderFinetuneError):
        prepare_training_file(empty, tmp_path / "out2" / "training.jsonl")
    with pytest.raises(ProviderFinetuneError, match="no fine-tuning API"):
        provider_client("gemini", {"api_key": "x"})


def test_training_prices_sit_beside_inference_prices_in_one_file(tmp_path: Path) -> None:
    path = _price_file(tmp_path, "openai:gpt-4o-mini-2024-07-18", "2.50")
    assert TrainingPrices.load(path).per_million("openai:gpt-4o-mini-2024-07-18") == Decimal("2.50")
    assert TrainingPrices().per_million("openai:gpt-4o-mini-2024-07-18") == Decimal("3.00")
    assert TrainingPrices().per_million("openai:unknown") is None
    assert [o.model for o in load_overrides(path)] == ["openai:gpt-4o"]  # the inference loader accepts it


def _price_file(tmp_path: Path, model: str, price: str) -> Path:
    path = tmp_path / "prices.yaml"
    path.write_text(
        'prices:\n  - {model: "openai:gpt-4o", input: "1", output: "2"}\n'
        f'training_prices:\n  - {{model: "{model}", per_million: "{price}"}}\n'
    )
    return path
