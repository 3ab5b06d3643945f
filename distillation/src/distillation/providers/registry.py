"""Provider registry and `get_model`, the entry point that turns "provider:model" into an `LLMClient`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from importlib.metadata import entry_points
from typing import Any

from distillation.providers.base import ProviderAdapter
from distillation.providers.client import AttemptCallback, LLMClient, StartCallback
from distillation.providers.credentials import Credentials
from distillation.providers.errors import ConfigurationError, UnknownProviderError
from distillation.providers.ratelimit import Limiter, RateLimit
from distillation.providers.retry import RetryPolicy

AdapterFactory = Callable[[str, Credentials, Mapping[str, Any]], ProviderAdapter]
ENTRY_POINT_GROUP = "distillation.providers"

_FACTORIES: dict[str, AdapterFactory] = {}


def _builtin(name: str) -> AdapterFactory | None:
    # Imported on demand: an adapter module is cheap, but only the one in use should be loaded.
    if name in ("openai", "openai-compatible"):
        from distillation.providers.adapters.openai import make_openai, make_openai_compatible

        return make_openai if name == "openai" else make_openai_compatible
    if name == "anthropic":
        from distillation.providers.adapters.anthropic import make_anthropic

        return make_anthropic
    if name == "google":
        from distillation.providers.adapters.google import make_google

        return make_google
    if name == "local":
        from distillation.providers.adapters.local import make_local

        return make_local
    if name == "tuned":
        from distillation.providers.adapters.tuned import make_tuned

        return make_tuned
    return None


BUILTIN_PROVIDERS = ("openai", "anthropic", "google", "openai-compatible", "local", "tuned")
# Providers whose models run in this process, one generation at a time (no network, no price).
IN_PROCESS_PROVIDERS = ("local", "tuned")


def runs_in_process(model_id: str) -> bool:
    """Whether a "provider:model" id names a model that runs in this process (`local:`, `tuned:`)."""
    return model_id.partition(":")[0] in IN_PROCESS_PROVIDERS


def register_provider(name: str, factory: AdapterFactory) -> None:
    """Registers (or replaces) the adapter factory for a provider name.

    Third-party packages can instead expose a factory under the `distillation.providers` entry-point
    group; it is loaded the first time its provider name is used.
    """
    _FACTORIES[name] = factory


def available_providers() -> list[str]:
    """Built-in, registered and entry-point provider names."""
    names = set(BUILTIN_PROVIDERS) | set(_FACTORIES)
    names |= {ep.name for ep in entry_points(group=ENTRY_POINT_GROUP)}
    return sorted(names)


def split_model_id(model_id: str) -> tuple[str, str]:
    """Splits "provider:model" at the first colon (model names may contain colons)."""
    provider, sep, model = model_id.partition(":")
    if not sep or not provider or not model:
        raise ConfigurationError(f"model ids look like 'provider:model', got {model_id!r}")
    return provider, model


def _factory(provider: str) -> AdapterFactory:
    if provider in _FACTORIES:
        return _FACTORIES[provider]
    factory = _builtin(provider)
    if factory is None:
        for ep in entry_points(group=ENTRY_POINT_GROUP, name=provider):
            factory = ep.load()
    if factory is None:
        raise UnknownProviderError(f"unknown provider {provider!r}; available: {available_providers()}")
    return factory


def get_model(
    model_id: str,
    *,
    credentials: Credentials | Mapping[str, Any] | None = None,
    options: Mapping[str, Any] | None = None,
    rate_limit: RateLimit | None = None,
    limiter: Limiter | None = None,
    retry: RetryPolicy | None = None,
    timeout: float = 120.0,
    on_attempt: AttemptCallback | None = None,
    before_attempt: StartCallback | None = None,
) -> LLMClient:
    """Returns a client for a "provider:model" id.

    Args:
        model_id: E.g. "openai:gpt-4o-mini", "anthropic:claude-sonnet-4-5", "google:gemini-2.5-flash",
            "openai-compatible:llama3.1" (with `base_url`), "local:smollm2-135m", "tuned:<run folder>".
        credentials: `Credentials` or a dict with `api_key`, `base_url`, `organization`, `project`,
            `headers`. The library reads no environment variables: the caller passes keys in.
        options: Provider-specific adapter options (e.g. `structured_output` for openai-compatible,
            `n_ctx` for local, `http_client` for openai/anthropic, `chat_path` for openai).
        rate_limit: Requests/tokens per window and concurrency cap.
        limiter: Shared rate-limit storage (default in-process; `RedisLimiter` across processes).
        retry: Attempt caps and backoff.
        timeout: Per-attempt timeout in seconds.
        on_attempt: Called with every attempt (usage, latency, outcome).
        before_attempt: Called before every attempt is sent.

    Raises:
        UnknownProviderError: No adapter for the provider part.
        MissingDependencyError: The provider's SDK is not installed (says which extra to install).
        MissingCredentialsError: A required key or URL is missing (names the setting to set).

    Example:
        >>> model = get_model("local:smollm2-135m")  # doctest: +SKIP
        >>> result = await model.chat(ChatRequest.from_prompt("Say hi", max_tokens=16))  # doctest: +SKIP
    """
    provider, model = split_model_id(model_id)
    adapter = _factory(provider)(model, Credentials.coerce(credentials), options or {})
    return LLMClient(
        adapter,
        rate_limit=rate_limit,
        limiter=limiter,
        retry=retry,
        timeout=timeout,
        on_attempt=on_attempt,
        before_attempt=before_attempt,
    )
