"""A finished run is evaluated in the worker on its held-out rows and on a gold set, with the fake
provider as teacher and judge: pairwise win rates in both orders, latency, side by side with reasons."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from decimal import Decimal

from sqlalchemy import select

from app.core.config import Settings
from app.core.db import create_engine, create_sessionmaker
from app.finetune.ledger import run_key
from app.models import CallStatus, GlobalBudget, LlmCall
from distillation.testing import Behavior, FakeProviderServer, RecordedRequest, ok
from tests.conftest import WorkerProcess, api_client, login, migrate
from tests.datasets.factories import chat, jsonl
from tests.finetune.test_runs import QUESTIONS, poll
from tests.jobs.jobkit import job_settings

JUDGE = "openai:gpt-4o-mini"
_SHOWN = re.compile(r"\[Answer A\]\n(.*)\n\[End of answer A\].*\[Answer B\]\n(.*)\n\[End of answer B\]", re.S)


def fair_judge(request: RecordedRequest) -> Behavior | None:
    """A judge with no position bias: the answer that sorts first wins, wherever it is shown."""
    shown = _SHOWN.search(request.text)
    if shown is None:
        return None  # the teacher's answers and the pointwise judge: the server's defaults
    a, b = shown.groups()
    winner = "tie" if a == b else "A" if a < b else "B"
    scores = {"A": (8, 3), "B": (3, 8), "tie": (5, 5)}[winner]
    reason = f"{winner} reads better"
    verdict = {"winner": winner, "score_a": scores[0], "score_b": scores[1], "reason": reason}
    return ok(text=json.dumps(verdict), usage=(200, 30))


async def test_a_run_is_judged_pairwise_on_held_out_rows_and_a_gold_set(
    sqlite_settings: Settings, start_worker: Callable[..., WorkerProcess]
) -> None:
    with FakeProviderServer(fair_judge) as server:
        settings = job_settings(sqlite_settings, server)
        await migrate(settings)
        start_worker(settings)
        async with api_client(settings) as client:
            await login(client)
            ids = []
            for name, pairs in (("support", QUESTIONS), ("gold", QUESTIONS[:2])):
                uploaded = await client.post(
                    "/api/v1/datasets/upload",
                    files={"file": (f"{name}.jsonl", jsonl(*({"messages": chat(q, a)} for q, a in pairs)))},
                    data={"name": name, "data_type": "qa"},
                )
                assert uploaded.status_code == 201, uploaded.text
                ids.append(uploaded.json().get("dataset", uploaded.json())["id"])
            body = {
                "dataset_id": ids[0], "max_steps": 2, "batch_size": 2, "max_seq_length": 128,
                "heldout_fraction": 0.25, "eval_max_rows": 2, "eval_max_new_tokens": 8,
                "teacher": JUDGE, "judge": JUDGE, "gold_dataset_id": ids[1],
            }  # fmt: skip
            same = await client.post("/api/v1/finetune", json={**body, "gold_dataset_id": ids[0]})
            started = await client.post("/api/v1/finetune", json=body)
            assert started.status_code == 201, started.text
            run = await poll(client, f"/api/v1/finetune/{started.json()['id']}", ("completed", "failed"))
        sent = len(server.requests)
        engine = create_engine(settings, pooled=False)
        async with create_sessionmaker(engine)() as session:
            booked = list((await session.scalars(select(LlmCall).where(LlmCall.stage == "evaluate"))).all())
            budget = await session.get(GlobalBudget, "global")
        await engine.dispose()

    assert same.status_code == 400
    assert "another dataset" in same.text
    assert run["status"] == "completed", run["error"]
    assert run["gold_dataset_id"] == ids[1]
    evaluation, gold = run["evaluation"], run["evaluation"]["gold"]
    assert gold["rows_source"] == "gold"
    assert len(gold["heldout_ids"]) == 2
    for report in (evaluation, gold):
        comparisons = {(p["candidate"], p["opponent"]): p for p in report["pairwise"]}
        assert set(comparisons) == {("tuned", "base"), ("tuned", "teacher")}
        for result in comparisons.values():
            assert result["judge"] == JUDGE
            # A judge without position bias: no row is inconsistent and every row is decided.
            assert result["position_inconsistent"] == 0
            assert result["wins"] + result["ties"] + result["losses"] == result["rows"] == 2
            assert float(result["judge_cost_usd"]) > 0
        by_role = {m["role"]: m for m in report["models"]}
        assert by_role["base"]["latency_median_s"] > 0
        assert by_role["teacher"]["latency_p90_s"] is not None
        assert by_role["tuned"]["cost_per_1000"] == "0.000000"
        row = report["side_by_side"][0]
        assert set(row["answers"]) == {"base", "tuned", "teacher"}
        assert [v["opponent"] for v in row["verdicts"]] == ["base", "teacher"]
        # Every model answered, so the judge was asked in both orders and gave a reason each time.
        assert [len(v["reasons"]) for v in row["verdicts"]] == [2, 2]
    # Two orders per row for each comparison, on both row sets.
    pairwise = [r for r in server.requests if "[Answer A]" in r.text]
    assert len(pairwise) == 2 * 2 * 2 * 2
    assert gold["side_by_side"][0]["prompt"] == QUESTIONS[0][0]
    # Every teacher and judge call of both evaluations is a settled ledger row naming the run.
    assert len(booked) == sent
    assert {(c.job_id, c.item_key, c.status) for c in booked} == {
        (None, run_key(uuid.UUID(run["id"])), CallStatus.settled)
    }
    spent = sum((c.cost_usd or Decimal(0) for c in booked), Decimal(0))
    assert spent > 0
    if budget is not None:
        assert budget.spent_usd == spent
