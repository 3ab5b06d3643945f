"""Prices of provider fine-tuning: US dollars per million trained tokens.

``genai-prices`` carries inference prices only, so the training prices of the models OpenAI
fine-tunes are bundled here (its published per-token training rates) and the operator's
``training_prices`` list in ``config/prices.yaml`` adds or replaces entries (any provider,
e.g. a Together model)::

    training_prices:
      - model: "together:meta-llama/Meta-Llama-3.1-8B-Instruct-Reference"
        per_million: "0.48"

A provider bills trained tokens (the file's tokens times the epochs), which the job reports when
it ends; cost = trained tokens x price / 1,000,000.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from distillation.cost.overrides import PriceConfigError
from distillation.cost.types import parse_model_id

__all__ = ["BUNDLED_TRAINING_PRICES", "TrainingPrice", "TrainingPrices", "training_cost"]

# OpenAI's published supervised fine-tuning prices per 1M training tokens (USD).
BUNDLED_TRAINING_PRICES: Mapping[str, Decimal] = {
    "openai:gpt-4o-mini-2024-07-18": Decimal("3.00"),
    "openai:gpt-4o-2024-08-06": Decimal("25.00"),
    "openai:gpt-4.1-2025-04-14": Decimal("25.00"),
    "openai:gpt-4.1-mini-2025-04-14": Decimal("5.00"),
    "openai:gpt-4.1-nano-2025-04-14": Decimal("1.50"),
    "openai:gpt-3.5-turbo-0125": Decimal("8.00"),
}


class TrainingPrice(BaseModel):
    """One ``training_prices`` entry."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    model: str
    per_million: Decimal = Field(ge=0, allow_inf_nan=False)

    @field_validator("model")
    @classmethod
    def _model_id(cls, value: str) -> str:
        parsed = parse_model_id(value)
        if parsed is None:
            raise ValueError("must be a 'provider:model' id")
        return f"{parsed[0]}:{parsed[1]}"

    @field_validator("per_million", mode="before")
    @classmethod
    def _no_floats(cls, value: object) -> object:
        if isinstance(value, float):
            raise ValueError("write prices as quoted strings (e.g. '3.00') so they stay exact")
        return value


class TrainingPrices:
    """Training prices: the bundled table with the operator's entries on top."""

    def __init__(self, entries: Sequence[TrainingPrice] = ()) -> None:
        self._prices = dict(BUNDLED_TRAINING_PRICES)
        self._prices.update({entry.model: entry.per_million for entry in entries})

    @classmethod
    def load(cls, path: str | Path | None) -> TrainingPrices:
        """The bundled prices plus the ``training_prices`` of a price file (none when ``path`` is None).

        Raises:
            PriceConfigError: The file is unreadable or an entry is invalid.
        """
        if path is None:
            return cls()
        try:
            data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            raise PriceConfigError(f"{path}: cannot read training prices: {exc}") from exc
        return cls(parse_training_prices(data, source=str(path)))

    def per_million(self, model_id: str) -> Decimal | None:
        """The price of a million trained tokens of ``provider:model``, None when unknown."""
        parsed = parse_model_id(model_id)
        return None if parsed is None else self._prices.get(f"{parsed[0]}:{parsed[1]}")


def parse_training_prices(data: Any, *, source: str = "training prices") -> list[TrainingPrice]:
    """The ``training_prices`` entries of a parsed price file (none when it has no such list).

    Raises:
        PriceConfigError: The list or an entry is invalid.
    """
    if not isinstance(data, Mapping) or not data.get("training_prices"):
        return []
    entries = data["training_prices"]
    if not isinstance(entries, Sequence) or isinstance(entries, str):
        raise PriceConfigError(f"{source}: 'training_prices' must be a list")
    found: list[TrainingPrice] = []
    for index, entry in enumerate(entries):
        try:
            found.append(TrainingPrice.model_validate(entry))
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(map(str, e['loc'])) or 'entry'}: {e['msg']}" for e in exc.errors()
            )
            raise PriceConfigError(f"{source}: training_prices[{index}]: {problems}") from exc
    return found


def training_cost(trained_tokens: int, per_million: Decimal) -> Decimal:
    """US dollars for ``trained_tokens`` at ``per_million`` dollars per million tokens."""
    return (Decimal(trained_tokens) * per_million / Decimal(1_000_000)).quantize(Decimal("0.000001"))
