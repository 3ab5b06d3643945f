"""``distillery advise``: students and judges for a teacher, offline, with the planned job's saving."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from cli_fakes import cli_app, invoke

from distillation.cost import PriceTable
from distillation.pipeline.advice import advise


def test_advice_needs_no_key_and_shows_each_saving_of_the_library(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")

    result = invoke(
        cli_app(None), "advise", "--teacher", "openai:gpt-4o", "--data-type", "qa", "--count", "200"
    )

    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "planned job: 200 qa rows, estimated offline (no request sent)" in out
    expected = advise("openai:gpt-4o", PriceTable.load(None), data_type="qa", count=200)
    for suggestion in expected.students:
        line = re.search(rf"\n  {re.escape(suggestion.model_id)} .*\(([\d.]+)%\)", out)
        assert line is not None, out
        assert Decimal(line[1]) == suggestion.savings_percent
    assert "students" in out
    assert "cheap judges" in out


def test_a_teacher_without_a_price_is_refused_with_the_reason(tmp_path: Path) -> None:
    result = invoke(cli_app(None, tmp_path), "advise", "--teacher", "openai-compatible:mine")

    assert result.exit_code == 1
    assert "no price for the teacher 'openai-compatible:mine'" in result.output


def test_a_self_hosted_teacher_priced_in_the_overrides_gets_advice(tmp_path: Path) -> None:
    (tmp_path / "prices.yaml").write_text(
        'prices:\n  - model: "openai-compatible:mine"\n    input: "5"\n    output: "15"\n', encoding="utf-8"
    )

    result = invoke(cli_app(None, tmp_path), "advise", "--teacher", "openai-compatible:mine", "--limit", "2")

    assert result.exit_code == 0, result.output
    assert "(context window unknown)" in result.stdout
    assert "needs a key for" in result.stdout
