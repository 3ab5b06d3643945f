"""The price table: operator overrides first, then ``genai-prices`` bundled data, then free local models.

A request sent through a provider's batch API is priced at the batch rate: ``genai-prices``' price
variant for ``processing: batch`` (half the standard rates for OpenAI, Anthropic and Google). An
override has no batch rate: a batched request of an overridden model pays the override's rates.

``genai-prices`` ships its price snapshot inside the package and only refreshes it from the network when
asked (``UpdatePrices``), which this module never does, so pricing works offline and is reproducible for
a given package version.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Final

from genai_prices import Usage, calc_price
from genai_prices import types as gp_types

from distillation.cost.overrides import PriceOverride, load_overrides
from distillation.cost.types import ModelPrice, PriceSource, PriceTier, TokenUsage, parse_model_id

__all__ = ["CostQuote", "PriceTable"]

# Our provider names -> genai-prices provider ids. Providers missing here are looked up under their own
# name; these never are, because their model names are the operator's own.
_GENAI_PROVIDER: Final = {"openai": "openai", "anthropic": "anthropic", "google": "google"}
_NOT_IN_GENAI: Final = frozenset({"openai-compatible", "local", "tuned"})
_FREE_PROVIDERS: Final = frozenset({"local", "tuned"})
_ZERO: Final = Decimal(0)


@dataclass(frozen=True, slots=True)
class CostQuote:
    """The cost of a usage, or the fact that it is unknown.

    Attributes:
        model_id: The model priced.
        usage: The tokens priced.
        cost: US dollars, ``None`` when no price is known for the model.
        price: The unit prices used, to store with the ledger row so history never changes.
    """

    model_id: str
    usage: TokenUsage
    cost: Decimal | None
    price: ModelPrice | None

    @property
    def known(self) -> bool:
        """Whether the model had a price."""
        return self.cost is not None

    @property
    def reason(self) -> str | None:
        """Why the cost is unknown, for logs and the UI; ``None`` when it is known."""
        return None if self.known else f"unknown price for {self.model_id!r}: add it to the price overrides"


class PriceTable:
    """Looks up per-model prices and prices token usage.

    Order of precedence: the newest override whose ``effective_from`` is on or before the call's date,
    then ``genai-prices`` data for that date, then $0 for ``local:`` and ``tuned:`` models. Anything else
    is unknown.

    Example:
        >>> table = PriceTable.load(None)
        >>> table.cost_of("openai:gpt-4o-mini", TokenUsage(input_tokens=1_000_000))
        Decimal('0.15')
        >>> table.cost_of("openai-compatible:my-vllm", TokenUsage(input_tokens=10)) is None
        True
    """

    def __init__(self, overrides: Iterable[PriceOverride] = ()) -> None:
        """Build a table from already-validated overrides.

        Args:
            overrides: Override entries; several per model are allowed with different ``effective_from``.
        """
        self._overrides: dict[str, list[ModelPrice]] = {}
        for override in overrides:
            self._overrides.setdefault(override.model, []).append(override.to_price())
        for prices in self._overrides.values():
            prices.sort(key=lambda p: p.effective_from or date.min)
        self._genai_cache: dict[tuple[str, date, bool], ModelPrice | None] = {}

    @classmethod
    def load(cls, overrides_path: str | Path | None) -> PriceTable:
        """Build a table from an override file (see ``config/prices.yaml``), or none.

        Args:
            overrides_path: The YAML file, or ``None`` for bundled prices only.

        Raises:
            PriceConfigError: The file is missing or invalid.
        """
        return cls(load_overrides(overrides_path) if overrides_path is not None else ())

    def overridden_models(self) -> tuple[str, ...]:
        """The models the operator's overrides price, sorted."""
        return tuple(sorted(self._overrides))

    def price_for(
        self, model_id: str, at: datetime | date | None = None, *, batch: bool = False
    ) -> ModelPrice | None:
        """The unit prices for a model.

        Args:
            model_id: A ``"provider:model"`` id.
            at: When the call happened (for historic prices); now when omitted.
            batch: The rates of a request sent in a provider batch (see the module docstring).

        Returns:
            The price, or ``None`` when the model has no known price.
        """
        parsed = parse_model_id(model_id)
        if parsed is None:
            return None
        provider, model = parsed
        canonical = f"{provider}:{model}"
        day = _day(at)
        for price in reversed(self._overrides.get(canonical, [])):
            if price.effective_from is None or price.effective_from <= day:
                return price
        if provider in _FREE_PROVIDERS:
            return ModelPrice(canonical, _ZERO, _ZERO, _ZERO, source=PriceSource.LOCAL)
        if provider in _NOT_IN_GENAI:
            return None
        key = (canonical, day, batch)
        if key not in self._genai_cache:
            self._genai_cache[key] = _genai_price(
                canonical, _GENAI_PROVIDER.get(provider, provider), model, day, batch=batch
            )
        return self._genai_cache[key]

    def quote(
        self, model_id: str, usage: TokenUsage, at: datetime | date | None = None, *, batch: bool = False
    ) -> CostQuote:
        """Price a usage and keep the unit prices used.

        Args:
            model_id: A ``"provider:model"`` id.
            usage: Tokens billed.
            at: When the call happened; now when omitted.
            batch: Whether the tokens were sent in a provider batch (the batch rates).
        """
        price = self.price_for(model_id, at, batch=batch)
        return CostQuote(model_id, usage, price.cost(usage) if price else None, price)

    def cost_of(
        self, model_id: str, usage: TokenUsage, at: datetime | date | None = None, *, batch: bool = False
    ) -> Decimal | None:
        """The cost of a usage in US dollars, or ``None`` when the model's price is unknown.

        Args:
            model_id: A ``"provider:model"`` id.
            usage: Tokens billed.
            at: When the call happened; now when omitted.
            batch: Whether the tokens were sent in a provider batch (the batch rates).

        Example:
            >>> table = PriceTable.load(None)
            >>> table.cost_of("openai:gpt-4o-mini", TokenUsage(input_tokens=1_000_000), batch=True)
            Decimal('0.075')
        """
        return self.quote(model_id, usage, at, batch=batch).cost

    def cost_of_calls(
        self,
        model_id: str,
        usage: TokenUsage,
        calls: int,
        at: datetime | date | None = None,
        *,
        batch: bool = False,
    ) -> Decimal | None:
        """The cost of the summed tokens of ``calls`` requests (a price tier applies per request).

        Args:
            model_id: A ``"provider:model"`` id.
            usage: The tokens of all the calls together.
            calls: How many requests they were.
            at: When the calls happened; now when omitted.
            batch: Whether they were sent in a provider batch (the batch rates).
        """
        price = self.price_for(model_id, at, batch=batch)
        return None if price is None else price.cost_of_calls(usage, calls)


def _day(at: datetime | date | None) -> date:
    if at is None:
        return datetime.now(tz=UTC).date()
    return at.date() if isinstance(at, datetime) else at


def _genai_price(
    model_id: str, provider_id: str, model_ref: str, day: date, *, batch: bool = False
) -> ModelPrice | None:
    # Pricing an empty usage is the public way to get the unit prices in force on that day.
    when = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
    context: gp_types.PriceContext | None = {"processing": "batch"} if batch else None
    try:
        calculation = calc_price(
            Usage(), model_ref, provider_id=provider_id, genai_request_timestamp=when, price_context=context
        )
    except (LookupError, ValueError):
        return None
    return _from_genai(model_id, calculation.model_price)


def _from_genai(model_id: str, prices: gp_types.ModelPrice) -> ModelPrice | None:
    """Convert genai-prices' per-key rates (each possibly tiered) to our flat rates plus tiers."""
    raw_input = prices.input_mtok
    if raw_input is None:
        return None  # priced per image, per request or per second: not a token model
    raw_output = prices.output_mtok if prices.output_mtok is not None else _ZERO
    raw_cached = prices.cache_read_mtok if prices.cache_read_mtok is not None else raw_input
    keys = (raw_input, raw_output, raw_cached)
    starts = sorted({t.start for k in keys if isinstance(k, gp_types.TieredPrices) for t in k.tiers})
    tiers = tuple(
        PriceTier(
            start,
            _rate_above(raw_input, start),
            _rate_above(raw_output, start),
            _rate_above(raw_cached, start),
        )
        for start in starts
    )
    cached = prices.cache_read_mtok
    return ModelPrice(
        model_id=model_id,
        input_per_mtok=_base(raw_input),
        output_per_mtok=_base(raw_output),
        cached_input_per_mtok=None if cached is None else _base(cached),
        source=PriceSource.GENAI_PRICES,
        tiers=tiers,
    )


def _base(rate: Any) -> Decimal:
    return rate.base if isinstance(rate, gp_types.TieredPrices) else Decimal(rate)


def _rate_above(rate: Any, start: int) -> Decimal:
    """The rate that applies to calls with more than ``start`` input tokens."""
    if not isinstance(rate, gp_types.TieredPrices):
        return Decimal(rate)
    applicable = rate.base
    for tier in rate.tiers:
        if tier.start <= start:
            applicable = tier.price
    return applicable
