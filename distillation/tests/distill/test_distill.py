"""distill(): traces, policy, amplification ×N, validation, files, resume and the reuse of a finished run."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path

import pytest
from distill_fakes import INSTRUCTION, SEEDS, TEACHER, WRITER, amplifier, credentials, paid_twice, read_jsonl

from distillation import DistillResult, adistill, distill
from distillation.cost import PriceOverride, PriceTable
from distillation.testing import FakeProviderServer


def run(server: FakeProviderServer, tmp_path: Path, **options: object) -> DistillResult:
    values: dict[str, object] = {
        "teacher": TEACHER,
        "writer": WRITER,
        "augment_factor": 4,
        "output_dir": tmp_path,
        "credentials": credentials(server),
        "concurrency": 4,
    }
    values.update(options)
    return distill("support", SEEDS, INSTRUCTION, **values)  # type: ignore[arg-type]


def test_writes_the_traces_and_seeds_plus_n_times_amplified_pairs(tmp_path: Path) -> None:
    with FakeProviderServer(amplifier()) as server:
        result = run(server, tmp_path)

    assert result.status == "completed", result.message
    traces = read_jsonl(tmp_path / "support" / "traces_cot.jsonl")
    assert [t["id"] for t in traces] == ["seed-0000", "seed-0001", "seed-0002"]
    assert all(t["reasoning"] and t["model"] == TEACHER and t["error"] is None for t in traces)
    assert [t["input"] for t in traces] == [s["input"] for s in SEEDS]
    rows = read_jsonl(result.dataset_path)
    assert result.dataset_path == tmp_path / "support" / "traces_amplified.jsonl"
    assert len(rows) == result.rows == 3 + 3 * 4
    assert [r["metadata"]["source"] for r in rows] == ["seed"] * 3 + ["amplified"] * 12
    for row in rows:
        assert [m["role"] for m in row["messages"]] == ["system", "user", "assistant"]
        assert row["messages"][0]["content"] == INSTRUCTION
    assert rows[0]["messages"][2]["content"] == SEEDS[0]["output"]
    assert {r["metadata"]["model"] for r in rows[3:]} == {WRITER}
    assert result.stats is not None
    assert result.stats.traced == 3
    assert result.stats.amplified == 12
    # Traces and policy by the teacher, pairs by the cheaper writer: cheaper than the teacher alone.
    assert result.cost_usd > 0
    assert result.teacher_only_cost_usd is not None
    assert result.teacher_only_cost_usd > result.cost_usd
    assert result.savings_percent is not None
    assert result.savings_percent > 0
    assert result.model_path is None
    assert f"distillery finetune {result.dataset_path}" in result.message


def test_an_existing_dataset_is_reused_without_any_request(tmp_path: Path) -> None:
    with FakeProviderServer(amplifier()) as server:
        first = run(server, tmp_path)
        sent = len(server.requests)
        again = run(server, tmp_path, augment_factor=10)

        assert len(server.requests) == sent
    assert again.status == "reused"
    assert again.skipped_api_calls
    assert (again.rows, again.seeds, again.amplified) == (first.rows, 3, 12)
    assert again.dataset_path.read_text() == first.dataset_path.read_text()


def test_a_budget_stop_resumes_without_paying_twice(tmp_path: Path) -> None:
    # A free teacher and a costly writer, so the budget runs out in the middle of the amplification.
    prices = PriceTable(
        [
            PriceOverride(model=TEACHER, input=Decimal(0), output=Decimal(0)),
            PriceOverride(model=WRITER, input=Decimal(10), output=Decimal(10)),
        ]
    )
    with FakeProviderServer(amplifier()) as server:
        stopped = run(server, tmp_path, budget_usd=0.05, prices=prices, concurrency=1)
        assert stopped.status == "budget_exhausted", stopped.message
        assert stopped.dataset_path.name == "traces_amplified.partial.jsonl"
        assert not (tmp_path / "support" / "traces_amplified.jsonl").exists()
        assert 0 < stopped.amplified < 12

        resumed = run(server, tmp_path, prices=prices)

        assert paid_twice(server) == []
    assert resumed.status == "completed"
    assert resumed.stats is not None
    assert stopped.stats is not None
    # Every answer the stopped run paid for came from the cache.
    assert resumed.stats.cached_answers >= stopped.stats.requests
    assert len(read_jsonl(resumed.dataset_path)) == 15
    assert not (tmp_path / "support" / "traces_amplified.partial.jsonl").exists()


def test_near_duplicates_are_rejected_and_replaced(tmp_path: Path) -> None:
    with FakeProviderServer(amplifier(same_pair_every=3)) as server:
        result = run(server, tmp_path)

    assert result.status == "completed"
    assert result.stats is not None
    assert result.stats.duplicates >= 2
    rejected = read_jsonl(tmp_path / "support" / "traces_rejected.jsonl")
    assert (
        sum(r["reason"].startswith("near-duplicate of amplified-") for r in rejected)
        == result.stats.duplicates
    )
    inputs = [r["messages"][1]["content"] for r in read_jsonl(result.dataset_path)]
    assert len(inputs) == len(set(inputs)) == 15


def test_async_form_and_no_nested_loop(tmp_path: Path) -> None:
    async def both() -> DistillResult:
        with pytest.raises(RuntimeError, match="adistill"):
            distill("nested", SEEDS, INSTRUCTION, output_dir=tmp_path)
        async with FakeProviderServer(amplifier()) as server:
            return await adistill(
                "support",
                SEEDS,
                INSTRUCTION,
                teacher=TEACHER,
                augment_factor=2,
                output_dir=tmp_path,
                credentials=credentials(server),
            )

    result = asyncio.run(both())
    assert result.status == "completed"
    assert result.rows == 9
    assert result.savings_percent == 0  # the teacher wrote everything
