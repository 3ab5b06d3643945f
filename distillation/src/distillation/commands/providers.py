"""Named OpenAI-compatible services, so ``groq:<model>`` works like ``openai:<model>``.

Their model ids keep the service's name (``groq:llama-3.1-8b-instant``), so prices are looked up under
it and credentials come from the host's hook under that name ("groq" → ``GROQ_API_KEY``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from distillation.providers import Credentials, available_providers, register_provider
from distillation.providers.adapters.openai import OpenAIAdapter


@dataclass(frozen=True)
class CompatibleService:
    """An OpenAI-compatible API under its own provider name."""

    name: str
    base_url: str
    key_setting: str
    # json_object is what every model of these services accepts; the schema goes in the prompt and
    # answers are validated (and re-asked) by the client.
    structured_output: str = "json_object"

    def make(self, model: str, credentials: Credentials, options: Mapping[str, Any]) -> OpenAIAdapter:
        """The adapter factory registered under ``name``."""
        key = credentials.require_key(self.name, self.key_setting)
        merged = Credentials(
            api_key=key,
            base_url=credentials.base_url or self.base_url,
            organization=credentials.organization,
            project=credentials.project,
            headers=credentials.headers,
        )
        settings = {"max_tokens_field": "max_tokens", "schema_mode": self.structured_output, **options}
        return OpenAIAdapter(model, merged, provider=self.name, **settings)


SERVICES = (CompatibleService("groq", "https://api.groq.com/openai/v1", "GROQ_API_KEY"),)


def register_compatible_providers() -> None:
    """Register each service unless a provider of that name already exists (e.g. a plugin)."""
    known = set(available_providers())
    for service in SERVICES:
        if service.name not in known:
            register_provider(service.name, service.make)
