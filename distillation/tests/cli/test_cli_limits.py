"""``--rpm``, ``--tpm`` and ``--concurrency`` reach each provider model's ``RateLimit``."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from cli_fakes import STUDENT, TEACHER, cli_app, generate_args, invoke

from distillation.commands import estimate, generate
from distillation.commands.options import RunOptions, rate_limits
from distillation.providers import RateLimit


class Stop(KeyboardInterrupt):
    """Ends the command once its limits were seen (it reports an interruption)."""


@pytest.fixture
def seen(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    found: dict[str, Any] = {}

    async def fake_generate(*args: Any, **kwargs: Any) -> None:
        found["limits"] = args[5]
        raise Stop

    async def fake_estimate(*args: Any, rpm: int | None = None, tpm: int | None = None) -> None:
        found["estimate"] = (rpm, tpm)
        raise Stop

    monkeypatch.setattr(generate, "generate_file", fake_generate)
    monkeypatch.setattr(estimate, "estimate_file", fake_estimate)
    return found


def test_generate_passes_rpm_tpm_and_concurrency_to_every_model(tmp_path: Path, seen: dict[str, Any]) -> None:
    args = generate_args(
        tmp_path / "qa.jsonl", 4, "--rpm", "500", "--tpm", "200000", "--judge", "anthropic:claude"
    )
    invoke(cli_app(None), *args)
    limits: Mapping[str, RateLimit] = seen["limits"]
    assert set(limits) == {TEACHER, STUDENT, "anthropic:claude"}
    for limit in limits.values():
        assert (limit.requests_per_minute, limit.tokens_per_minute, limit.max_concurrency) == (
            500,
            200_000,
            4,
        )


def test_without_flags_limits_are_left_to_learn_and_64_may_be_in_flight(
    tmp_path: Path, seen: dict[str, Any]
) -> None:
    args = generate_args(tmp_path / "qa.jsonl", 5)
    at = args.index("--concurrency")
    del args[at : at + 2]
    invoke(cli_app(None), *args)
    limits: Mapping[str, RateLimit] = seen["limits"]
    for limit in limits.values():
        assert (limit.requests_per_minute, limit.tokens_per_minute, limit.max_concurrency) == (None, None, 64)


def test_estimate_passes_rpm_and_tpm_to_its_paid_pilot(tmp_path: Path, seen: dict[str, Any]) -> None:
    # The default estimate is offline (no request, so no limit to keep); the pilot sends requests.
    args = generate_args(tmp_path / "qa.jsonl", 4, "--rpm", "60", "--tpm", "1000", "--pilot")
    invoke(cli_app(None), "estimate", *args[1:])
    assert seen["estimate"] == (60, 1000)


@pytest.mark.parametrize("flag", ["--rpm", "--tpm", "--concurrency"])
def test_limits_must_be_positive(tmp_path: Path, flag: str) -> None:
    result = invoke(cli_app(None), *generate_args(tmp_path / "qa.jsonl", 4, flag, "0"))
    assert result.exit_code == 2
    assert flag in result.output


def test_local_models_keep_their_one_at_a_time_limit() -> None:
    config, _ = RunOptions(teacher="local:smollm2-135m", student=STUDENT, judge=STUDENT).config()
    assert set(rate_limits(config, 100, None)) == {STUDENT}


def test_help_names_the_flags(tmp_path: Path) -> None:
    text = invoke(cli_app(None), "generate", "--help").output
    for flag in ("--rpm", "--tpm", "--concurrency"):
        assert flag in text


def test_evaluate_passes_rpm_tpm_and_concurrency(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from distillation.commands import evaluate as evaluate_module

    seen: dict[str, Any] = {}

    def fake_evaluate(dataset: Path, run: Path | None, config: Any, env: Any, report: Path | None) -> int:
        seen["config"] = config
        return 0

    monkeypatch.setattr(evaluate_module, "evaluate_command", fake_evaluate)
    dataset = tmp_path / "qa.jsonl"
    dataset.write_text("{}\n")
    args: list[str | Path] = [
        "evaluate",
        dataset,
        "--teacher",
        TEACHER,
        "--rpm",
        "90",
        "--tpm",
        "9000",
        "--concurrency",
        "6",
    ]
    result = invoke(cli_app(None), *args)
    assert result.exit_code == 0, result.output
    limit = seen["config"].rate_limit()
    assert (limit.requests_per_minute, limit.tokens_per_minute, limit.max_concurrency) == (90, 9000, 6)


def test_evaluate_takes_the_run_as_a_tuned_model_id(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from distillation.commands import evaluate as evaluate_module

    seen: dict[str, Any] = {}

    def fake_evaluate(dataset: Path, run: Path | None, config: Any, env: Any, report: Path | None) -> int:
        seen.update(run=run, config=config)
        return 0

    monkeypatch.setattr(evaluate_module, "evaluate_command", fake_evaluate)
    dataset, run, other = tmp_path / "qa.jsonl", tmp_path / "run", tmp_path / "other"
    dataset.write_text("{}\n")
    run.mkdir()
    app = cli_app(None)

    result = invoke(app, "evaluate", dataset, "--model", f"tuned:{run}", "--teacher", f"tuned:{other}")
    assert result.exit_code == 0, result.output
    assert seen["run"] == run
    # Another run (or any provider model) is what the tuned student is compared with.
    assert seen["config"].teacher == f"tuned:{other}"

    refused = invoke(app, "evaluate", dataset, "--model", TEACHER)
    assert refused.exit_code == 2
    assert "tuned:<run folder>" in refused.output
    both = invoke(app, "evaluate", dataset, "--model", f"tuned:{run}", "--run", run)
    assert both.exit_code == 2
    missing = invoke(app, "evaluate", dataset, "--model", f"tuned:{other}")
    assert "no run folder" in " ".join(missing.output.split())
