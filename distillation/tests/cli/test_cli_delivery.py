"""``distillery generate --delivery auto --deadline``: batches while the deadline leaves them time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cli_fakes import cli_app, generate_args, invoke, read_jsonl

from distillation.commands.delivery import DeliveryPlan, parse_deadline, plan_delivery
from distillation.commands.options import OptionsError
from distillation.pipeline import BatchDelivery
from distillation.providers import get_model
from distillation.testing import BatchPlan, FakeProviderServer
from distillation.testing.answers import realistic_answer

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
POLL = ("--batch-poll", "0.05")


def run(tmp_path: Path, *extra: str) -> tuple[int, str, int, int]:
    """A 12-row run: exit code, output, batch lines answered and online requests answered."""
    with FakeProviderServer(realistic_answer, batches=BatchPlan(delay_s=0.05)) as server:
        result = invoke(cli_app(server), *generate_args(tmp_path / "qa.jsonl", 12, *POLL, *extra))
        answered = [r for r in server.requests if r.api == "openai" and r.status == 200]
    in_batches = sum(1 for r in answered if r.batch is not None)
    return result.exit_code, result.output, in_batches, len(answered) - in_batches


def test_auto_with_a_far_deadline_goes_through_the_batch_api(tmp_path: Path) -> None:
    code, output, in_batches, online = run(tmp_path, "--delivery", "auto", "--deadline", "2d")

    assert code == 0, output
    assert len(read_jsonl(tmp_path / "qa.jsonl")) == 12
    assert in_batches > 0
    assert online == 1  # the task policy, which every later stage waits for
    assert "batch:" in output
    assert "not used: every request went online" not in output


def test_auto_with_a_deadline_inside_the_batch_window_goes_online(tmp_path: Path) -> None:
    code, output, in_batches, online = run(tmp_path, "--delivery", "auto", "--deadline", "3h")

    assert code == 0, output
    assert len(read_jsonl(tmp_path / "qa.jsonl")) == 12
    assert (in_batches, online > 12) == (0, True)
    assert "less than the 24-hour batch window away: every request goes online" in output


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (("--delivery", "auto"), "--delivery auto needs a --deadline"),
        (("--deadline", "2d"), "--deadline goes with --delivery auto"),
        (("--batch", "--delivery", "auto", "--deadline", "2d"), "--batch is --delivery batch"),
        (("--delivery", "sometimes"), "--delivery must be one of online, batch, auto"),
        (("--delivery", "auto", "--deadline", "next week"), "is neither a duration"),
        (("--delivery", "auto", "--deadline", "2020-01-01T00:00"), "has passed"),
    ],
)
def test_delivery_options_that_do_not_fit_together_are_refused(
    tmp_path: Path, extra: tuple[str, ...], message: str
) -> None:
    code, output, in_batches, online = run(tmp_path, *extra)

    assert code == 1
    assert message in output
    assert (in_batches, online) == (0, 0)  # nothing was sent


def test_a_deadline_is_a_duration_or_an_iso_time_utc_unless_it_says() -> None:
    assert parse_deadline("36h", NOW) == NOW + timedelta(hours=36)
    assert parse_deadline("2d", NOW) == NOW + timedelta(days=2)
    assert parse_deadline("90m", NOW) == NOW + timedelta(minutes=90)
    assert parse_deadline("2026-12-09T09:30", NOW) == datetime(2026, 12, 9, 9, 30, tzinfo=UTC)
    assert parse_deadline("2026-12-09T09:30+02:00", NOW) == datetime(2026, 12, 9, 7, 30, tzinfo=UTC)
    with pytest.raises(OptionsError):
        parse_deadline("0h", NOW)
    assert plan_delivery("auto", "25h", batch=False, now=NOW) == DeliveryPlan(
        "auto", True, NOW + timedelta(hours=25)
    )
    assert plan_delivery("auto", "23h", batch=False, now=NOW).batched is False
    assert plan_delivery("online", None, batch=True, now=NOW) == DeliveryPlan("batch", True)


def test_a_running_auto_delivery_goes_online_once_the_deadline_is_inside_the_window() -> None:
    clock = [NOW]
    delivery = BatchDelivery(deadline=NOW + timedelta(hours=30), clock=lambda: clock[0])
    client = get_model("openai:gpt-4o-mini", credentials={"api_key": "k", "base_url": "http://127.0.0.1:9"})

    assert delivery.takes(client, "bulk")
    assert not delivery.takes(client, "policy")  # a stage every later one waits for never waits
    clock[0] = NOW + timedelta(hours=6, seconds=1)  # 23h59m59s left
    assert not delivery.takes(client, "bulk")
    assert BatchDelivery().takes(client, "bulk")  # no deadline: batch delivery
