"""The adapter interface every provider implements, and helpers shared by the SDK adapters."""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Protocol, runtime_checkable

from distillation.providers.errors import MissingDependencyError
from distillation.providers.types import ChatRequest, Completion


@runtime_checkable
class ProviderAdapter(Protocol):
    """Sends one request to one model and returns the raw completion.

    Adapters do no retries, no rate limiting and no validation (the `LLMClient` does); they translate
    the request to the wire format, call the provider once, and map every failure to a
    `ProviderError` subclass.

    Attributes:
        provider: The provider part of the model id ("openai", "anthropic", ...).
        model: The model part of the model id.
        native_schema: Whether the adapter enforces `response_schema` natively; when False the client
            adds the schema to the prompt and relies on validation, repair and re-asks.
    """

    provider: str
    model: str
    native_schema: bool

    async def complete(self, request: ChatRequest, time_limit: float) -> Completion:
        """Sends `request` once (`time_limit` seconds at most); raises a `ProviderError` on failure."""
        ...

    async def aclose(self) -> None:
        """Releases connections and other resources."""
        ...


def import_sdk(module: str, provider: str, package: str, extra: str) -> ModuleType:
    """Imports an optional SDK, or raises an error that says which extra to install."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingDependencyError(provider, package, extra) from exc
