"""Rate limits per provider and model: set by admins, ``.env`` defaults, and those learned from headers.

Each field resolves on its own, first found wins: the model's row, the provider's row (model ``*``),
the ``PROVIDER_DEFAULT_*`` settings, then (requests and tokens per minute only) what the library
learned from the provider's ``x-ratelimit-*`` headers. Jobs get the set and ``.env`` limits as the
``RateLimit`` of each model's client; learned limits are the library's to apply where none is set.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import Settings
from app.core.errors import NotFound
from app.models import EVERY_MODEL, ProviderLimit, User
from app.providers.repository import ProviderLimitRepository
from app.providers.schemas import (
    EffectiveLimits,
    EffectiveValue,
    LearnedLimits,
    LimitValues,
    ModelLimits,
    ProviderLimits,
    ProviderLimitsWrite,
)
from distillation.providers import Limiter, RateLimit, RedisLimiter, runs_in_process
from distillation.providers.ratelimit import DEFAULT_LIMITER

logger = logging.getLogger(__name__)

FIELDS = ("rpm", "tpm", "max_concurrency")
_limiters: dict[str, Limiter] = {}


def shared_limiter(settings: Settings) -> Limiter | None:
    """Rate limits shared by every worker process through Redis (one client per process)."""
    if settings.redis_url is None:
        return None
    if settings.redis_url not in _limiters:
        _limiters[settings.redis_url] = RedisLimiter(settings.redis_url)
    return _limiters[settings.redis_url]


async def learned_limits(limiter: object, key: str) -> LearnedLimits | None:
    """What the limiter learned from ``key``'s rate-limit headers ("provider:model"), if it learns any.

    Limiters that learn nothing (no ``learned`` method) and failures to ask give None: learned limits
    are shown, never required.
    """
    learned = getattr(limiter, "learned", None)
    if learned is None:
        return None
    try:
        found = await cast(Callable[[str], Awaitable[Mapping[str, Any] | None]], learned)(key)
    except Exception:
        logger.warning("could not read the limits learned for %s", key, exc_info=True)
        return None
    if not found:
        return None
    return LearnedLimits(
        rpm=_positive(found.get("rpm")),
        tpm=_positive(found.get("tpm")),
        updated_at=_when(found.get("updated_at")),
    )


def _positive(value: object) -> int | None:
    return int(value) if isinstance(value, int | float) and value > 0 else None


def _when(value: object) -> datetime | None:
    """A time given as Unix seconds or ISO 8601 text; None for anything else."""
    if isinstance(value, int | float) and value > 0:
        return datetime.fromtimestamp(float(value), UTC)
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


@dataclass(frozen=True)
class SetLimits:
    """What is set for one provider: its default row and its per-model rows."""

    default: LimitValues
    models: dict[str, LimitValues]
    updated_at: datetime | None = None

    @classmethod
    def of(cls, rows: Iterable[ProviderLimit]) -> SetLimits:
        """The limits stored in ``rows`` (one provider's)."""
        default, models, updated = LimitValues(), {}, None
        for row in rows:
            values = LimitValues(
                rpm=row.requests_per_minute, tpm=row.tokens_per_minute, max_concurrency=row.max_concurrency
            )
            if row.model == EVERY_MODEL:
                default = values
            else:
                models[row.model] = values
            when = row.updated_at or row.created_at
            updated = when if updated is None or (when and when > updated) else updated
        return cls(default, models, updated)


def env_defaults(settings: Settings) -> LimitValues:
    """The ``PROVIDER_DEFAULT_*`` settings."""
    return LimitValues(
        rpm=settings.provider_default_rpm,
        tpm=settings.provider_default_tpm,
        max_concurrency=settings.provider_default_max_concurrency,
    )


def effective(
    model: str, limits: SetLimits, env: LimitValues, learned: LearnedLimits | None
) -> EffectiveLimits:
    """The limits in effect for ``model`` of a provider, each field with its source."""
    own = limits.models.get(model, LimitValues())
    values: dict[str, EffectiveValue] = {}
    for name in FIELDS:
        candidates: list[tuple[int | None, str]] = [
            (getattr(own, name), "set"),
            (getattr(limits.default, name), "set"),
            (getattr(env, name), "env"),
            (getattr(learned, name, None) if name != "max_concurrency" else None, "learned"),
        ]
        value, source = next(((v, s) for v, s in candidates if v is not None), (None, "none"))
        values[name] = EffectiveValue(value=value, source=source)
    return EffectiveLimits(model=model, learned=learned, **values)


def rate_limit_of(limits: EffectiveLimits) -> RateLimit | None:
    """The ``RateLimit`` of a model's client: the set and ``.env`` fields (learned ones: the library's)."""
    given = {
        name: field.value
        for name, field in (
            ("requests_per_minute", limits.rpm),
            ("tokens_per_minute", limits.tpm),
            ("max_concurrency", limits.max_concurrency),
        )
        if field.source in ("set", "env")
    }
    return RateLimit(**given) if given else None  # type: ignore[arg-type]


def split_model_id(model_id: str) -> tuple[str, str]:
    """("provider", "model") of "provider:model"."""
    provider, _, model = model_id.partition(":")
    return provider, model


async def job_limits(
    session: AsyncSession, settings: Settings, model_ids: Iterable[str]
) -> dict[str, EffectiveLimits]:
    """Model id → the set and ``.env`` limits of each model a job uses (in-process models have none)."""
    wanted = [m for m in dict.fromkeys(model_ids) if m and not runs_in_process(m)]
    rows = await ProviderLimitRepository(session).for_providers(split_model_id(m)[0] for m in wanted)
    env = env_defaults(settings)
    found = {}
    for model_id in wanted:
        provider, model = split_model_id(model_id)
        limits = SetLimits.of(row for row in rows if row.provider == provider)
        found[model_id] = effective(model, limits, env, None)
    return found


def set_concurrency(limits: EffectiveLimits) -> int | None:
    """The max concurrency set for a model (Settings → Providers or ``.env``), if any."""
    return limits.max_concurrency.value if limits.max_concurrency.source in ("set", "env") else None


async def provider_limits(
    session: AsyncSession, settings: Settings, names: Iterable[str], models: Iterable[str] = ()
) -> dict[str, ProviderLimits]:
    """What is set and in effect for each provider name: its default and every model with limits set.

    ``models`` adds models (of every provider) whose effective limits to show. Learned limits come
    from the Redis limiter the workers share; without Redis the workers are other processes, so only
    what this process learned shows.
    """
    names = list(names)
    rows = await ProviderLimitRepository(session).for_providers(names)
    limiter = shared_limiter(settings) or DEFAULT_LIMITER
    env = env_defaults(settings)
    found = {}
    for name in names:
        limits = SetLimits.of(row for row in rows if row.provider == name)
        shown = [EVERY_MODEL, *dict.fromkeys([*sorted(limits.models), *models])]
        effective_limits = []
        for model in shown:
            learned = None if model == EVERY_MODEL else await learned_limits(limiter, f"{name}:{model}")
            effective_limits.append(effective(model, limits, env, learned))
        found[name] = ProviderLimits(
            provider=name,
            default=limits.default,
            models=[ModelLimits(model=m, **v.model_dump()) for m, v in sorted(limits.models.items())],
            effective=effective_limits,
            updated_at=limits.updated_at,
        )
    return found


async def save_limits(session: AsyncSession, admin: User, name: str, body: ProviderLimitsWrite) -> None:
    """Replace every limit of provider ``name`` with ``body`` (rows with nothing set are removed)."""
    repo = ProviderLimitRepository(session)
    existing = {row.model: row for row in await repo.for_providers([name])}
    wanted: dict[str, LimitValues] = {EVERY_MODEL: body.default}
    wanted.update({row.model: LimitValues.model_validate(row.model_dump()) for row in body.models})
    for model, values in wanted.items():
        row = existing.pop(model, None)
        if values.is_empty():
            if row is not None:
                await repo.delete(row)
            continue
        columns = {
            "requests_per_minute": values.rpm,
            "tokens_per_minute": values.tpm,
            "max_concurrency": values.max_concurrency,
            "updated_by_id": admin.id,
        }
        if row is None:
            await repo.create(ProviderLimit(provider=name, model=model, **columns))
        else:
            await repo.update(row, columns)
    for row in existing.values():
        await repo.delete(row)


def require_limitable(name: str, known: Iterable[str]) -> None:
    """Refuse names that are no provider of the installation, and the bundled model (one at a time)."""
    if name not in set(known):
        raise NotFound(f"no provider named {name}")
