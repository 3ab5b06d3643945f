"""The fake server's OpenAI Files and Batch APIs, driven by the official `openai` SDK."""

from __future__ import annotations

import json
import time
from typing import Any

import openai

from distillation.testing import BatchPlan, FakeProviderServer, server_error, when


def lines(*texts: str) -> bytes:
    rows = [
        {
            "custom_id": f"r{number}",
            "method": "POST",
            "url": "/v1/chat/completions",
            "body": {"model": "gpt-4o", "messages": [{"role": "user", "content": text}]},
        }
        for number, text in enumerate(texts)
    ]
    return "\n".join(json.dumps(row) for row in rows).encode()


def run_batch(server: FakeProviderServer, content: bytes, wait: float) -> tuple[Any, dict[str, Any]]:
    client = openai.OpenAI(base_url=server.openai_base_url, api_key="test", max_retries=0)
    upload = client.files.create(file=("batch.jsonl", content), purpose="batch")
    batch = client.batches.create(
        input_file_id=upload.id, endpoint="/v1/chat/completions", completion_window="24h"
    )
    assert batch.status == "in_progress"
    time.sleep(wait)
    batch = client.batches.retrieve(batch.id)
    results: dict[str, Any] = {}
    for file_id in (batch.output_file_id, batch.error_file_id):
        if file_id is not None:
            for line in client.files.content(file_id).text.splitlines():
                row = json.loads(line)
                results[row["custom_id"]] = row
    return batch, results


def test_a_batch_answers_every_line_once_its_delay_has_passed() -> None:
    with FakeProviderServer(batches=BatchPlan(delay_s=0.2)) as server:
        batch, results = run_batch(server, lines("one", "two"), wait=0.25)
        assert batch.status == "completed"
        assert batch.request_counts.completed == 2
        assert results["r1"]["response"]["body"]["choices"][0]["message"]["content"] == "echo: two"
        answered = [r for r in server.requests if r.batch == batch.id]
        assert [r.path for r in answered] == ["/v1/chat/completions"] * 2


def test_a_batch_still_running_reports_itself_in_progress() -> None:
    with FakeProviderServer(batches=BatchPlan(delay_s=30)) as server:
        batch, results = run_batch(server, lines("one"), wait=0)
        assert batch.status == "in_progress"
        assert results == {}


def test_lines_the_script_fails_go_to_the_error_file_with_their_status() -> None:
    with FakeProviderServer(when(lambda r: "bad" in r.text, server_error(500))) as server:
        batch, results = run_batch(server, lines("good", "bad"), wait=0)
        assert (batch.request_counts.completed, batch.request_counts.failed) == (1, 1)
        assert results["r1"]["response"]["status_code"] == 500
        assert results["r0"]["response"]["status_code"] == 200


def test_an_expired_batch_answers_only_its_first_lines() -> None:
    plan = BatchPlan(expire=True, answered_before_expiry=1)
    with FakeProviderServer(batches=plan) as server:
        batch, results = run_batch(server, lines("a", "b", "c"), wait=0)
        assert batch.status == "expired"
        assert results["r0"]["response"]["status_code"] == 200
        assert [results[k]["error"]["code"] for k in ("r1", "r2")] == ["batch_expired"] * 2


def test_a_cancelled_batch_answers_nothing() -> None:
    with FakeProviderServer(batches=BatchPlan(delay_s=30)) as server:
        client = openai.OpenAI(base_url=server.openai_base_url, api_key="test", max_retries=0)
        upload = client.files.create(file=("batch.jsonl", lines("a")), purpose="batch")
        batch = client.batches.create(
            input_file_id=upload.id, endpoint="/v1/chat/completions", completion_window="24h"
        )
        assert client.batches.cancel(batch.id).status == "cancelled"
        assert not [r for r in server.requests if r.batch is not None]
