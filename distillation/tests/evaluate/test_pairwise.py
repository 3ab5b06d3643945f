"""Pairwise win rates through the real SDK against the fake provider server: both orders, position bias
counted, failed answers decided without the judge, the judge's cost; latency quantiles; side by side."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal

import pytest

from distillation.cost import PriceTable, TokenUsage
from distillation.datatypes import get_datatype
from distillation.evaluate import Answer, judge_pairwise, score_model
from distillation.evaluate.report import side_by_side
from distillation.finetune import TrainingRow
from distillation.providers import Credentials
from distillation.testing import FakeProviderServer, chain, ok, when
from distillation.testing.scripts import RecordedRequest

JUDGE = "openai:gpt-4o-mini"
QUESTIONS = ["What is 2+2?", "Name a colour.", "Say hi.", "What is 3+3?", "What is 9+9?"]


@pytest.fixture(scope="module")
def server() -> Iterator[FakeProviderServer]:
    with FakeProviderServer() as fake:
        yield fake


def _rows() -> list[TrainingRow]:
    return [
        TrainingRow(f"r{i}", 0, [{"role": "user", "content": q}, {"role": "assistant", "content": "ref"}])
        for i, q in enumerate(QUESTIONS)
    ]


def _verdict(winner: str, a: float, b: float, reason: str) -> str:
    return json.dumps({"winner": winner, "score_a": a, "score_b": b, "reason": reason})


def _correct_first(request: RecordedRequest) -> bool:
    return "[Answer A]\n4\n" in request.text


def _script(server: FakeProviderServer) -> None:
    server.reset(
        chain(
            # Row 0: the judge prefers the right answer "4" wherever it is shown.
            when(
                lambda r: "2+2" in r.text and _correct_first(r),
                ok(text=_verdict("A", 9, 2, "A is right"), usage=(100, 20)),
            ),
            when(lambda r: "2+2" in r.text, ok(text=_verdict("B", 2, 9, "B is right"), usage=(100, 20))),
            # Row 1: the judge always names the first answer: position bias.
            when(
                lambda r: "colour" in r.text, ok(text=_verdict("A", 7, 6, "first is better"), usage=(100, 20))
            ),
            # Row 2: a tie in both orders.
            when(lambda r: "Say hi" in r.text, ok(text=_verdict("tie", 5, 5, "same"), usage=(100, 20))),
        ),
        # Row 4: a reply that is no verdict.
        default=ok(text="I cannot decide.", usage=(100, 20)),
    )


def test_pairwise_counts_wins_ties_and_position_inconsistent_rows(server: FakeProviderServer) -> None:
    _script(server)
    rows = _rows()
    usage = TokenUsage(input_tokens=10, output_tokens=5)
    tuned = [Answer("4", usage), Answer("red", usage), Answer("hi", usage), Answer("6", usage)]
    tuned.append(Answer("18", usage))
    base = [Answer("5", usage), Answer("blue", usage), Answer("hello", usage)]
    base += [Answer("", usage, error="provider said 500"), Answer("17", usage)]
    credentials = {"openai": Credentials(api_key="k", base_url=server.openai_base_url)}

    result, verdicts = judge_pairwise(
        JUDGE,
        get_datatype("generation"),
        rows,
        ("tuned", "runs/qa", tuned),
        ("base", "local:base", base),
        credentials=credentials,
        prices=PriceTable.load(None),
    )

    assert [v.outcome for v in verdicts] == ["win", "inconsistent", "tie", "win", "unjudged"]
    assert (result.wins, result.ties, result.losses) == (2, 2, 0)
    assert result.position_inconsistent == 1
    assert result.unjudged == 1
    assert result.win_rate == pytest.approx(0.5)
    assert result.tie_rate == pytest.approx(0.5)
    assert result.loss_rate == 0.0
    # Two orders for each of the four rows both models answered (the unreadable replies of row 4 are
    # retried by the client); row 3 needs no judge.
    judged = [r for r in server.requests if "[Answer A]" in r.text]
    assert len([r for r in judged if "9+9" not in r.text]) == 6
    assert not any("What is 3+3?" in r.text for r in judged)
    # Each order shows the other model first.
    row0 = [r.text for r in judged if "2+2" in r.text]
    assert sorted("[Answer A]\n4\n" in t for t in row0) == [False, True]
    # gpt-4o-mini: every attempt, retries included, x (100 in at $0.15/M + 20 out at $0.60/M).
    assert result.judge_cost_usd == Decimal("0.000027") * len(judged)
    assert verdicts[0].reasons == ["base shown first: B is right", "candidate shown first: A is right"]
    assert verdicts[3].reasons == ["the base gave no answer: provider said 500"]


def test_the_side_by_side_table_holds_every_answer_and_the_verdicts(server: FakeProviderServer) -> None:
    _script(server)
    rows = _rows()[:2]
    usage = TokenUsage(input_tokens=1, output_tokens=1)
    answers = {
        "base": [Answer("5", usage), Answer("", usage, error="timeout")],
        "tuned": [Answer("4", usage), Answer("red", usage)],
    }
    _, verdicts = judge_pairwise(
        JUDGE,
        get_datatype("generation"),
        rows,
        ("tuned", "runs/qa", answers["tuned"]),
        ("base", "local:base", answers["base"]),
        credentials={"openai": Credentials(api_key="k", base_url=server.openai_base_url)},
        prices=PriceTable.load(None),
    )

    table = side_by_side(rows, None, answers, [verdicts], limit=1)

    assert len(table) == 1
    assert table[0].prompt == "What is 2+2?"
    assert table[0].reference == "ref"
    assert table[0].answers == {"base": "5", "tuned": "4"}
    assert table[0].verdicts[0].outcome == "win"
    assert len(table[0].verdicts[0].reasons) == 2
    assert side_by_side(rows, None, answers, [verdicts], limit=5)[1].answers["base"] == "[no answer: timeout]"


def test_latency_median_and_p90_leave_failed_answers_out() -> None:
    rows = _rows()
    usage = TokenUsage(input_tokens=1, output_tokens=1)
    answers = [Answer("a", usage, latency_s=float(s)) for s in (1, 2, 3, 4)]
    answers.append(Answer("", usage, error="failed", latency_s=60.0))

    entry, _ = score_model(
        "teacher", JUDGE, None, rows, answers, price_id="local:bundled", prices=PriceTable.load(None)
    )

    assert entry.latency_median_s == pytest.approx(2.5)
    assert entry.latency_p90_s == pytest.approx(3.7)
