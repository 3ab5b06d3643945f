"""Value objects for token usage and per-model prices. Money is ``Decimal`` US dollars throughout."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Final

__all__ = ["PER_MILLION", "ModelPrice", "PriceSource", "PriceTier", "TokenUsage", "parse_model_id"]

PER_MILLION: Final = Decimal(1_000_000)


def parse_model_id(model_id: str) -> tuple[str, str] | None:
    """Split a ``"provider:model"`` id into its parts.

    Args:
        model_id: An id such as ``"openai:gpt-4o-mini"``.

    Returns:
        ``(provider, model)`` with the provider lower-cased, or ``None`` when either part is missing.

    Example:
        >>> parse_model_id("openai-compatible:llama3:8b")
        ('openai-compatible', 'llama3:8b')
    """
    provider, sep, model = model_id.partition(":")
    if not sep or not provider.strip() or not model.strip():
        return None
    return provider.strip().lower(), model.strip()


@dataclass(frozen=True, slots=True)
class TokenUsage:
    """Tokens billed for one call, or summed over many.

    ``input_tokens`` counts every prompt token, cached ones included (OpenAI's convention);
    ``cached_input_tokens`` is the part of it read from the provider's prompt cache, billed at the cached
    rate. Provider adapters whose API reports cache reads separately (Anthropic) add them in.
    """

    input_tokens: int = 0
    output_tokens: int = 0
    cached_input_tokens: int = 0

    def __post_init__(self) -> None:
        for name in ("input_tokens", "output_tokens", "cached_input_tokens"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"{name} must be a non-negative int, got {value!r}")
        if self.cached_input_tokens > self.input_tokens:
            raise ValueError("cached_input_tokens is part of input_tokens and cannot exceed it")

    def __add__(self, other: TokenUsage) -> TokenUsage:
        return TokenUsage(
            self.input_tokens + other.input_tokens,
            self.output_tokens + other.output_tokens,
            self.cached_input_tokens + other.cached_input_tokens,
        )


class PriceSource(StrEnum):
    """Where a price came from, kept with every ledger row that uses it."""

    OVERRIDE = "override"
    GENAI_PRICES = "genai-prices"
    LOCAL = "local"


@dataclass(frozen=True, slots=True)
class PriceTier:
    """Rates that replace the base rates for a call whose input is above ``above_input_tokens``.

    Providers price long-context calls as a cliff: past the threshold every token of the call pays the
    tier rate, not only the tokens above it.
    """

    above_input_tokens: int
    input_per_mtok: Decimal
    output_per_mtok: Decimal
    cached_input_per_mtok: Decimal


@dataclass(frozen=True, slots=True)
class ModelPrice:
    """Unit prices for one model, in US dollars per million tokens.

    Attributes:
        model_id: The ``"provider:model"`` id the price applies to.
        input_per_mtok: Uncached input tokens.
        output_per_mtok: Output tokens.
        cached_input_per_mtok: Input tokens read from the prompt cache; ``None`` bills them as input.
        source: Override file, ``genai-prices`` data or the free local default.
        effective_from: First day the price applies, when known.
        tiers: Long-context tiers, lowest threshold first.
    """

    model_id: str
    input_per_mtok: Decimal
    output_per_mtok: Decimal
    cached_input_per_mtok: Decimal | None = None
    source: PriceSource = PriceSource.OVERRIDE
    effective_from: date | None = None
    tiers: tuple[PriceTier, ...] = ()

    def cost(self, usage: TokenUsage) -> Decimal:
        """Price a usage exactly (no rounding).

        Args:
            usage: Tokens billed.

        Returns:
            The cost in US dollars.

        Example:
            >>> price = ModelPrice("openai:gpt-4o-mini", Decimal("0.15"), Decimal("0.6"), Decimal("0.075"))
            >>> price.cost(TokenUsage(input_tokens=1000, output_tokens=500, cached_input_tokens=200))
            Decimal('0.000435')
        """
        return self.cost_of_calls(usage, 1)

    def cost_of_calls(self, usage: TokenUsage, calls: int) -> Decimal:
        """Price the tokens of ``calls`` calls together: a tier applies by the tokens of one call.

        A tier (e.g. a higher rate above 200,000 input tokens) is chosen per request, so the summed
        tokens of many calls are priced at the rates of their mean call.

        Example:
            >>> tier = PriceTier(100, Decimal("2"), Decimal("2"), Decimal("2"))
            >>> price = ModelPrice("m:x", Decimal("1"), Decimal("1"), None, tiers=(tier,))
            >>> price.cost_of_calls(TokenUsage(input_tokens=1_000_000), 10_000)  # 100 tokens a call
            Decimal('1')
        """
        rate_in, rate_out, rate_cached = self._rates(usage.input_tokens // max(1, calls))
        uncached = usage.input_tokens - usage.cached_input_tokens
        total = uncached * rate_in + usage.cached_input_tokens * rate_cached + usage.output_tokens * rate_out
        return total / PER_MILLION

    def _rates(self, input_tokens: int) -> tuple[Decimal, Decimal, Decimal]:
        for tier in reversed(self.tiers):
            if input_tokens > tier.above_input_tokens:
                return tier.input_per_mtok, tier.output_per_mtok, tier.cached_input_per_mtok
        cached = self.input_per_mtok if self.cached_input_per_mtok is None else self.cached_input_per_mtok
        return self.input_per_mtok, self.output_per_mtok, cached
