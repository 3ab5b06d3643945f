"""Model lists: what the provider serves, plus the models the price table knows, with their prices."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from genai_prices import data_snapshot

from app.core.config import Settings
from app.providers.schemas import ModelInfo, ModelSource
from app.providers.service import LOCAL
from distillation.cost import PriceConfigError, PriceTable, load_overrides
from distillation.providers.adapters.local import BUNDLED_MODEL

logger = logging.getLogger(__name__)

PRICES_FILE = "prices.yaml"
# genai-prices lists, under some providers, models that their own API does not serve (Claude through
# Vertex under google, fine-tune id patterns under openai); keep the ones a direct key can call.
_SERVED_PREFIXES = {"google": ("gemini", "gemma")}


def price_table(settings: Settings) -> PriceTable:
    """The bundled prices with the operator's ``prices.yaml`` overrides (bundled only if it is broken)."""
    path = settings.config_dir / PRICES_FILE
    try:
        return PriceTable.load(path if path.is_file() else None)
    except PriceConfigError as exc:
        logger.warning("ignoring %s: %s", path, exc)
        return PriceTable()


def known_models(name: str, settings: Settings) -> list[str]:
    """Model names that the price table (overrides, then genai-prices data) knows for provider ``name``."""
    return sorted(set(_genai_models(name)) | _override_names(name, settings.config_dir / PRICES_FILE))


def model_list(
    name: str, remote: list[str] | None, settings: Settings, fine_tuned: Sequence[str] = ()
) -> list[ModelInfo]:
    """The provider's models (``remote``), those its fine-tunes made, and the price table's, each once."""
    if name == LOCAL:
        return [_info(f"{LOCAL}:{BUNDLED_MODEL}", "bundled", price_table(settings))]
    table = price_table(settings)
    served = set(remote or ())
    listed: dict[str, ModelSource] = dict.fromkeys(fine_tuned, "fine_tuned")
    for model in served:
        listed.setdefault(model, "provider")
    for model in known_models(name, settings):
        listed.setdefault(model, "price_table")
    return [_info(f"{name}:{model}", source, table) for model, source in sorted(listed.items())]


def _info(model_id: str, source: ModelSource, table: PriceTable) -> ModelInfo:
    price = table.price_for(model_id)
    if price is None:
        return ModelInfo(id=model_id, source=source)
    return ModelInfo(
        id=model_id, source=source, input_per_mtok=price.input_per_mtok, output_per_mtok=price.output_per_mtok
    )


def _override_names(name: str, path: Path) -> set[str]:
    if not path.is_file():
        return set()
    try:
        overrides = load_overrides(path)
    except PriceConfigError:
        return set()
    prefix = f"{name}:"
    return {o.model.removeprefix(prefix) for o in overrides if o.model.startswith(prefix)}


@lru_cache
def _genai_models(name: str) -> tuple[str, ...]:
    # The bundled genai-prices snapshot does not change while the process runs.
    snapshot = data_snapshot.get_snapshot()
    provider = next((p for p in snapshot.providers if p.id == name), None)
    if provider is None or name == LOCAL:
        return ()
    table = PriceTable()
    prefixes = _SERVED_PREFIXES.get(name, ("",))
    return tuple(
        sorted(
            m.id
            for m in provider.models
            if not getattr(m, "deprecated", False)
            and m.id.startswith(prefixes)
            and not m.id.endswith("-")
            and ":" not in m.id
            and table.price_for(f"{name}:{m.id}") is not None
        )
    )
