"""Operator price overrides, read from a YAML file such as ``config/prices.yaml``.

File shape (prices in US dollars per million tokens, written as strings so they stay exact)::

    prices:
      - model: "openai-compatible:vllm-llama3-8b"
        input: "0.20"
        output: "0.20"
        cached_input: "0.10"        # optional; defaults to the input price
        effective_from: 2025-01-01  # optional; without it the price always applies
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from distillation.cost.types import ModelPrice, PriceSource, parse_model_id

__all__ = ["PriceConfigError", "PriceOverride", "load_overrides", "parse_overrides"]


class PriceConfigError(ValueError):
    """The price override file is unreadable or has an invalid entry; the message names which."""


class PriceOverride(BaseModel):
    """One entry of the override file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    model: str
    input: Decimal = Field(ge=0, allow_inf_nan=False)
    output: Decimal = Field(ge=0, allow_inf_nan=False)
    cached_input: Decimal | None = Field(default=None, ge=0, allow_inf_nan=False)
    effective_from: date | None = None

    @field_validator("model")
    @classmethod
    def _model_id(cls, value: str) -> str:
        parsed = parse_model_id(value)
        if parsed is None:
            raise ValueError("must be a 'provider:model' id")
        return f"{parsed[0]}:{parsed[1]}"

    @field_validator("input", "output", "cached_input", mode="before")
    @classmethod
    def _no_floats(cls, value: object) -> object:
        # YAML reads 0.1 as a binary float; quoting keeps the operator's exact decimal.
        if isinstance(value, float):
            raise ValueError("write prices as quoted strings (e.g. '0.15') so they stay exact")
        return value

    def to_price(self) -> ModelPrice:
        """The override as a ``ModelPrice``."""
        return ModelPrice(
            model_id=self.model,
            input_per_mtok=self.input,
            output_per_mtok=self.output,
            cached_input_per_mtok=self.cached_input,
            source=PriceSource.OVERRIDE,
            effective_from=self.effective_from,
        )


def load_overrides(path: str | Path) -> list[PriceOverride]:
    """Read and validate an override file.

    Args:
        path: The YAML file.

    Returns:
        The entries, in file order.

    Raises:
        PriceConfigError: The file is missing, is not valid YAML or has an invalid entry.
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
        data = yaml.safe_load(text)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise PriceConfigError(f"{path}: cannot read price overrides: {exc}") from exc
    return parse_overrides(data, source=str(path))


def parse_overrides(data: Any, *, source: str = "price overrides") -> list[PriceOverride]:
    """Validate already-parsed override data (``{"prices": [...]}``; ``None`` means no overrides).

    Raises:
        PriceConfigError: The data has the wrong shape, an invalid entry or a duplicate
            (model, effective_from) pair.
    """
    if data is None:
        return []
    # ``training_prices`` (provider fine-tuning) is read by ``distillation.cost.training``.
    if not isinstance(data, Mapping) or set(data) - {"prices", "training_prices"}:
        raise PriceConfigError(f"{source}: expected a mapping with a 'prices' list")
    entries = data.get("prices") or []
    if not isinstance(entries, Sequence) or isinstance(entries, str):
        raise PriceConfigError(f"{source}: 'prices' must be a list")
    overrides: list[PriceOverride] = []
    seen: set[tuple[str, date | None]] = set()
    for index, entry in enumerate(entries):
        try:
            override = PriceOverride.model_validate(entry)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(map(str, e['loc'])) or 'entry'}: {e['msg']}" for e in exc.errors()
            )
            raise PriceConfigError(f"{source}: prices[{index}]: {problems}") from exc
        key = (override.model, override.effective_from)
        if key in seen:
            raise PriceConfigError(f"{source}: prices[{index}]: duplicate entry for {key[0]} from {key[1]}")
        seen.add(key)
        overrides.append(override)
    return overrides
