"""Price table: real genai-prices data, overrides, local models, unknown models, Decimal exactness."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from genai_prices import Usage, calc_price

from distillation.cost import (
    ModelPrice,
    PriceConfigError,
    PriceSource,
    PriceTable,
    TokenUsage,
    parse_model_id,
)

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def table() -> PriceTable:
    return PriceTable.load(None)


def test_gpt_4o_mini_uses_bundled_genai_prices(table: PriceTable) -> None:
    price = table.price_for("openai:gpt-4o-mini")
    assert price is not None
    assert price.source is PriceSource.GENAI_PRICES
    assert (price.input_per_mtok, price.output_per_mtok, price.cached_input_per_mtok) == (
        Decimal("0.15"),
        Decimal("0.6"),
        Decimal("0.075"),
    )
    usage = TokenUsage(input_tokens=1000, output_tokens=500, cached_input_tokens=200)
    # 800 * 0.15 + 200 * 0.075 + 500 * 0.6 = 435 micro-dollars
    assert table.cost_of("openai:gpt-4o-mini", usage) == Decimal("0.000435")


@pytest.mark.parametrize(
    ("model_id", "provider", "ref"),
    [
        ("openai:gpt-4o-mini", "openai", "gpt-4o-mini"),
        ("openai:gpt-4.1-mini", "openai", "gpt-4.1-mini"),
        ("anthropic:claude-3-5-haiku-latest", "anthropic", "claude-3-5-haiku-latest"),
        ("anthropic:claude-haiku-4-5", "anthropic", "claude-haiku-4-5"),
        ("anthropic:claude-sonnet-4-5", "anthropic", "claude-sonnet-4-5"),
        ("google:gemini-2.5-flash", "google", "gemini-2.5-flash"),
        ("google:gemini-2.5-pro", "google", "gemini-2.5-pro"),
    ],
)
@pytest.mark.parametrize(
    "usage",
    [
        TokenUsage(input_tokens=1234, output_tokens=567, cached_input_tokens=89),
        TokenUsage(input_tokens=250_000, output_tokens=4000, cached_input_tokens=10_000),  # long-context tier
        TokenUsage(),
    ],
)
def test_cost_matches_genai_prices_calc_price(
    table: PriceTable, model_id: str, provider: str, ref: str, usage: TokenUsage
) -> None:
    expected = calc_price(
        Usage(
            input_tokens=usage.input_tokens,
            output_tokens=usage.output_tokens,
            cache_read_tokens=usage.cached_input_tokens,
        ),
        ref,
        provider_id=provider,
    ).total_price
    assert table.cost_of(model_id, usage) == expected


def test_claude_long_context_tier_prices_every_token_at_the_tier_rate(table: PriceTable) -> None:
    short = table.cost_of("anthropic:claude-sonnet-4-5", TokenUsage(input_tokens=200_000))
    long = table.cost_of("anthropic:claude-sonnet-4-5", TokenUsage(input_tokens=200_001))
    assert short == Decimal("0.6")  # $3 / MTok
    assert long == Decimal("1.200006")  # $6 / MTok on all 200,001 tokens


def test_historic_prices_follow_the_call_date(table: PriceTable) -> None:
    before = table.price_for("openai:o3", date(2025, 6, 1))
    after = table.price_for("openai:o3", datetime(2025, 7, 1, tzinfo=UTC))
    assert before is not None
    assert after is not None
    assert before.input_per_mtok == Decimal("10")
    assert after.input_per_mtok == Decimal("2")


def test_local_models_are_free_by_default(table: PriceTable) -> None:
    price = table.price_for("local:smollm2-135m")
    assert price is not None
    assert price.source is PriceSource.LOCAL
    assert table.cost_of("local:smollm2-135m", TokenUsage(10**9, 10**9, 10)) == Decimal(0)


@pytest.mark.parametrize(
    "model_id",
    [
        "openai:not-a-real-model-xyz",
        "openai-compatible:my-vllm",
        "nosuchprovider:model",
        "no-colon",
        ":x",
        "openai:",
    ],
)
def test_unknown_models_give_an_unknown_quote_not_a_crash(table: PriceTable, model_id: str) -> None:
    usage = TokenUsage(input_tokens=10)
    assert table.price_for(model_id) is None
    assert table.cost_of(model_id, usage) is None
    quote = table.quote(model_id, usage)
    assert not quote.known
    assert quote.price is None
    assert quote.reason is not None
    assert model_id in quote.reason


def test_quote_keeps_the_unit_prices_used(table: PriceTable) -> None:
    quote = table.quote("openai:gpt-4o-mini", TokenUsage(input_tokens=100))
    assert quote.known
    assert quote.reason is None
    assert quote.price is not None
    assert quote.price.input_per_mtok == Decimal("0.15")


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "prices.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_overrides_win_over_genai_prices_and_local_default(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        """
prices:
  - model: "openai:gpt-4o-mini"
    input: "1"
    output: "2"
  - model: "local:smollm2-135m"
    input: "0.01"
    output: "0.02"
  - model: "openai-compatible:vllm"
    input: "0.2"
    output: "0.4"
    cached_input: "0.1"
""",
    )
    table = PriceTable.load(path)
    usage = TokenUsage(input_tokens=1_000_000, output_tokens=1_000_000, cached_input_tokens=500_000)
    # Without cached_input the cached tokens are billed at the input rate.
    assert table.cost_of("openai:gpt-4o-mini", usage) == Decimal("3")
    assert table.cost_of("local:smollm2-135m", usage) == Decimal("0.03")
    assert table.cost_of("openai-compatible:vllm", usage) == Decimal("0.55")
    price = table.price_for("openai:gpt-4o-mini")
    assert price is not None
    assert price.source is PriceSource.OVERRIDE
    # Untouched models still come from genai-prices.
    assert table.cost_of("openai:gpt-4.1-mini", TokenUsage(input_tokens=1_000_000)) == Decimal("0.4")


def test_override_effective_from_keeps_price_history(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        """
prices:
  - {model: "openai:gpt-4o-mini", input: "0.5", output: "1", effective_from: 2025-03-01}
  - {model: "openai:gpt-4o-mini", input: "0.7", output: "1", effective_from: "2025-01-01"}
""",
    )
    table = PriceTable.load(path)

    def price_on(day: date) -> ModelPrice:
        price = table.price_for("openai:gpt-4o-mini", day)
        assert price is not None
        return price

    assert price_on(date(2024, 12, 31)).source is PriceSource.GENAI_PRICES
    assert price_on(date(2025, 2, 1)).input_per_mtok == Decimal("0.7")
    assert price_on(date(2025, 2, 28)).input_per_mtok == Decimal("0.7")
    assert price_on(date(2025, 3, 1)).input_per_mtok == Decimal("0.5")
    assert price_on(date(2025, 3, 1)).effective_from == date(2025, 3, 1)


def test_decimal_precision_is_exact(tmp_path: Path) -> None:
    path = _write(tmp_path, 'prices:\n  - {model: "anthropic:x", input: "0.1", output: "0.2"}\n')
    table = PriceTable.load(path)
    total = sum((table.cost_of("anthropic:x", TokenUsage(1, 1)) or Decimal(0) for _ in range(10)), Decimal(0))
    # 10 × (0.1 + 0.2) / 1e6: a float sum would give 2.9999999999999997e-06.
    assert total == Decimal("0.000003")
    assert isinstance(total, Decimal)


def test_model_id_provider_is_case_insensitive(tmp_path: Path) -> None:
    path = _write(tmp_path, 'prices:\n  - {model: "OpenAI-Compatible:Box", input: "1", output: "1"}\n')
    assert PriceTable.load(path).price_for("openai-compatible:Box") is not None
    assert parse_model_id("OpenAI:gpt-4o") == ("openai", "gpt-4o")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('prices:\n  - {model: "openai:x", input: 0.1, output: "1"}\n', "quoted strings"),
        ('prices:\n  - {model: "openai:x", input: "-1", output: "1"}\n', "greater than or equal"),
        ('prices:\n  - {model: "nocolon", input: "1", output: "1"}\n', "provider:model"),
        ('prices:\n  - {model: "openai:x", input: "1"}\n', "output"),
        ('prices:\n  - {model: "openai:x", input: "1", output: "1", extra: 1}\n', "extra"),
        ('prices:\n  - {model: "openai:x", input: "NaN", output: "1"}\n', "prices[0]"),
        ("prices:\n" + '  - {model: "a:b", input: "1", output: "1"}\n' * 2, "duplicate"),
        ("prices: {a: 1}\n", "list"),
        ("other: []\n", "a 'prices' list"),
        ("prices: [\n", "cannot read"),
    ],
)
def test_invalid_override_files_are_refused_with_the_entry_named(
    tmp_path: Path, text: str, message: str
) -> None:
    with pytest.raises(PriceConfigError, match=r"prices\.yaml") as info:
        PriceTable.load(_write(tmp_path, text))
    assert message in str(info.value)


def test_missing_override_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(PriceConfigError, match="cannot read"):
        PriceTable.load(tmp_path / "absent.yaml")


def test_shipped_config_prices_yaml_loads() -> None:
    table = PriceTable.load(ROOT / "config" / "prices.yaml")
    price = table.price_for("local:smollm2-135m")
    assert price is not None
    assert price.source is PriceSource.OVERRIDE
    assert price.cost(TokenUsage(1000, 1000)) == Decimal(0)


@pytest.mark.parametrize(
    "kwargs", [{"input_tokens": -1}, {"output_tokens": True}, {"input_tokens": 5, "cached_input_tokens": 6}]
)
def test_token_usage_rejects_impossible_counts(kwargs: dict[str, int]) -> None:
    with pytest.raises(ValueError, match="tokens"):
        TokenUsage(**kwargs)


def test_token_usage_adds_up() -> None:
    assert TokenUsage(1, 2, 1) + TokenUsage(3, 4, 2) == TokenUsage(4, 6, 3)


def test_model_price_without_cached_rate_bills_cache_as_input() -> None:
    price = ModelPrice("x:y", Decimal("2"), Decimal("0"))
    assert price.cost(TokenUsage(input_tokens=10, cached_input_tokens=10)) == Decimal("0.00002")


def test_a_batched_request_costs_the_batch_rate_half_the_online_one() -> None:
    table = PriceTable.load(None)
    usage = TokenUsage(input_tokens=1_000_000, output_tokens=1_000_000)
    for model in ("openai:gpt-4o", "openai:gpt-4o-mini"):
        online, batched = table.cost_of(model, usage), table.cost_of(model, usage, batch=True)
        assert online is not None
        assert batched == online / 2
