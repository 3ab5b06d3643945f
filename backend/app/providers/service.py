"""Provider credentials: stored encrypted, resolved for the engine, with the environment as fallback.

Names are the provider part of model ids. The built-in providers (``openai``, ``anthropic``,
``google``, ``groq``) have one credential each; any other name is an OpenAI-compatible server
(``ollama`` with ``base_url=http://127.0.0.1:11434/v1`` makes ``ollama:llama3.1`` usable), and
``openai-compatible`` is the server behind plain ``openai-compatible:<model>`` ids. ``local`` is the
bundled in-process model, which needs nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import Settings, get_settings
from app.core.errors import NotFound, UnprocessableContent
from app.finetune.provider import register_tuned
from app.models import ProviderCredential, User
from app.models.provider import HUB_CREDENTIAL
from app.providers import crypto
from app.providers.limits import provider_limits
from app.providers.repository import ProviderCredentialRepository
from app.providers.schemas import ProviderRead, ProviderWrite
from app.providers.ssrf import address_guard, check_base_url
from distillation.commands.providers import register_compatible_providers
from distillation.providers import Credentials, available_providers, register_provider
from distillation.providers.adapters.openai import OpenAIAdapter

logger = logging.getLogger(__name__)

KEYED_PROVIDERS = ("openai", "anthropic", "google", "groq")
COMPATIBLE = "openai-compatible"
LOCAL = "local"
# Keys shorter than this show no last characters: 4 of them would give away too much.
MIN_KEY_FOR_HINT = 12
_servers: set[str] = set()


@dataclass(frozen=True)
class ResolvedProvider:
    """Where one provider's credentials come from, and the credentials themselves."""

    name: str
    kind: str
    source: str
    credentials: Credentials
    key_last4: str | None = None
    updated_at: datetime | None = None


def key_hint(key: str | None) -> str | None:
    """The last 4 characters of a key long enough to show them."""
    return key[-4:] if key and len(key) >= MIN_KEY_FOR_HINT else None


def environment_providers(settings: Settings) -> dict[str, ResolvedProvider]:
    """Credentials from the settings (``OPENAI_API_KEY``...), the fallback for names without a stored one."""
    keys: Mapping[str, SecretStr | None] = {
        "openai": settings.openai_api_key,
        "anthropic": settings.anthropic_api_key,
        "google": settings.google_api_key,
        "groq": settings.groq_api_key,
    }
    found = {}
    for name, secret in keys.items():
        if secret and secret.get_secret_value():
            key = secret.get_secret_value()
            base_url = settings.openai_base_url if name == "openai" else None
            creds = Credentials(api_key=key, base_url=base_url)
            found[name] = ResolvedProvider(name, name, "environment", creds, key_hint(key))
    if settings.openai_base_url:
        # OPENAI_BASE_URL names the server of openai-compatible ids (Ollama, vLLM, llama.cpp server...).
        server_key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
        creds = Credentials(api_key=server_key, base_url=settings.openai_base_url)
        hint = key_hint(server_key)
        found[COMPATIBLE] = ResolvedProvider(COMPATIBLE, COMPATIBLE, "environment", creds, hint)
    return found


def stored_provider(row: ProviderCredential, settings: Settings) -> ResolvedProvider:
    """A stored credential with its key decrypted.

    Raises:
        crypto.UnreadableSecret: The encryption secret changed since the key was saved.
    """
    key = crypto.decrypt(settings.credentials_key, row.encrypted_key) if row.encrypted_key else None
    guard = address_guard(allow_private=settings.private_provider_urls_allowed)
    creds = Credentials(api_key=key, base_url=row.base_url, address_guard=guard)
    updated = row.updated_at or row.created_at
    return ResolvedProvider(row.name, row.provider, "stored", creds, row.key_last4, updated)


async def resolve_credentials(
    session: AsyncSession, settings: Settings | None = None
) -> dict[str, Credentials]:
    """Credentials per provider name for the engine: stored keys decrypted, else the environment's.

    Also makes every name usable in model ids: ``groq`` and each named OpenAI-compatible server are
    registered with the library's provider registry. A stored key that cannot be decrypted (the
    encryption secret changed) is left out with a warning, so the environment's key applies, if any.

    Args:
        session: A database session.
        settings: The service settings (the process's by default).

    Returns:
        Provider name → ``Credentials``, for ``distill``/pipeline ``credentials=`` arguments.
    """
    settings = settings or get_settings()
    register_compatible_providers()
    register_tuned(settings)
    found = {name: p.credentials for name, p in environment_providers(settings).items()}
    for row in await ProviderCredentialRepository(session).list_all():
        try:
            found[row.name] = stored_provider(row, settings).credentials
        except crypto.UnreadableSecret:
            logger.warning("the stored key of provider %s cannot be decrypted; enter it again", row.name)
            continue
        if row.provider == COMPATIBLE:
            register_server(row.name)
    return found


async def resolve_one(session: AsyncSession, settings: Settings, name: str) -> ResolvedProvider:
    """One provider's credentials, stored first, else from the environment.

    Raises:
        NotFound: The provider has no credentials anywhere.
        crypto.UnreadableSecret: The stored key cannot be decrypted.
    """
    row = await ProviderCredentialRepository(session).get_by_name(name)
    if row is not None:
        return stored_provider(row, settings)
    from_env = environment_providers(settings).get(name)
    if from_env is None:
        raise NotFound(f"no credentials for provider {name}")
    return from_env


def register_server(name: str) -> None:
    """Make ``<name>:<model>`` ids reach the OpenAI-compatible server stored under ``name``."""
    if name == COMPATIBLE or name in _servers or name in available_providers():
        return

    def make(model: str, credentials: Credentials, options: Mapping[str, Any]) -> OpenAIAdapter:
        kwargs = dict(options)
        schema_mode = kwargs.pop("structured_output", "json_schema")
        kwargs.setdefault("max_tokens_field", "max_tokens")
        return OpenAIAdapter(model, credentials, provider=name, schema_mode=schema_mode, **kwargs)

    register_provider(name, make)
    _servers.add(name)


async def list_providers(session: AsyncSession, settings: Settings) -> list[ProviderRead]:
    """Every provider: the built-in ones, stored and environment servers, and the bundled model."""
    env = environment_providers(settings)
    stored = {row.name: row for row in await ProviderCredentialRepository(session).list_all()}
    extra = sorted((set(stored) | set(env)) - set(KEYED_PROVIDERS))
    items = []
    for name in (*KEYED_PROVIDERS, *extra):
        if name in stored:
            items.append(read_stored(stored[name]))
        elif name in env:
            items.append(_read_resolved(env[name]))
        else:
            items.append(ProviderRead(name=name, provider=name, source="none", configured=False))
    limits = await provider_limits(session, settings, [item.name for item in items])
    items = [item.model_copy(update={"limits": limits[item.name]}) for item in items]
    items.append(ProviderRead(name=LOCAL, provider=LOCAL, source="bundled", configured=True))
    return items


async def provider_names(session: AsyncSession, settings: Settings) -> list[str]:
    """The names of every provider that can have limits (all but the bundled local model)."""
    stored = [row.name for row in await ProviderCredentialRepository(session).list_all()]
    return list(dict.fromkeys([*KEYED_PROVIDERS, *stored, *environment_providers(settings)]))


def read_stored(row: ProviderCredential) -> ProviderRead:
    """How the API shows a stored credential: never the key, only its last 4 characters."""
    return ProviderRead(
        name=row.name,
        provider=row.provider,
        source="stored",
        configured=True,
        base_url=row.base_url,
        key_last4=row.key_last4,
        updated_at=row.updated_at or row.created_at,
    )


def _read_resolved(found: ResolvedProvider) -> ProviderRead:
    return ProviderRead(
        name=found.name,
        provider=found.kind,
        source="environment",
        configured=True,
        base_url=found.credentials.base_url,
        key_last4=found.key_last4,
    )


async def save(
    session: AsyncSession, settings: Settings, admin: User, name: str, body: ProviderWrite
) -> ProviderCredential:
    """Create or change the stored credential of ``name``; fields not sent stay as they are."""
    row = await ProviderCredentialRepository(session).get_by_name(name)
    kind = _kind_for(name, body.provider, row)
    changes = body.model_dump(exclude_unset=True)
    if row is None:
        row = ProviderCredential(name=name, provider=kind)
    if "base_url" in changes:
        allow = settings.private_provider_urls_allowed
        base_url = await check_base_url(body.base_url, allow_private=allow) if body.base_url else None
        if "api_key" not in changes and _origin(base_url) != _origin(row.base_url):
            # A stored key is write-only: it must never be sent to a host it was not given for.
            row.encrypted_key, row.key_last4 = None, None
        row.base_url = base_url
    if "api_key" in changes:
        key = body.api_key.get_secret_value() if body.api_key else None
        row.encrypted_key = crypto.encrypt(settings.credentials_key, key) if key else None
        row.key_last4 = key_hint(key)
    _require_complete(row)
    row.updated_by_id = admin.id
    await ProviderCredentialRepository(session).create(row)
    return row


async def delete(session: AsyncSession, name: str) -> None:
    """Remove the stored credential of ``name`` (the environment's applies again, if any)."""
    row = await ProviderCredentialRepository(session).get_by_name(name)
    if row is None or name == HUB_CREDENTIAL:
        raise NotFound(f"no stored credentials for provider {name}")
    await ProviderCredentialRepository(session).delete(row)


def _kind_for(name: str, requested: str | None, row: ProviderCredential | None) -> str:
    if name == LOCAL:
        raise UnprocessableContent("the bundled local model needs no credentials")
    if name == HUB_CREDENTIAL:
        raise UnprocessableContent(
            "the Hugging Face token is stored under Settings → Hugging Face (/hub/token)"
        )
    if name in KEYED_PROVIDERS:
        if requested not in (None, name):
            raise UnprocessableContent(f"the provider named {name} speaks {name}, not {requested}")
        return name
    if requested not in (None, COMPATIBLE):
        raise UnprocessableContent(
            f"{name} is not a built-in provider, so it must be openai-compatible; "
            f"store {requested} credentials under the name {requested}"
        )
    if row is None and name != COMPATIBLE and name in available_providers() and name not in _servers:
        raise UnprocessableContent(f"{name} is already a provider of the engine; choose another name")
    return COMPATIBLE


def _origin(url: str | None) -> tuple[str, str, int | None] | None:
    """Scheme, host and port of ``url``: where a key sent with it would go."""
    if url is None:
        return None
    parts = urlsplit(url)
    return parts.scheme.lower(), (parts.hostname or "").lower(), parts.port


def _require_complete(row: ProviderCredential) -> None:
    if row.provider == COMPATIBLE and not row.base_url:
        raise UnprocessableContent(f"{row.name} is an OpenAI-compatible server: base_url is required")
    if row.provider != COMPATIBLE and not row.encrypted_key:
        raise UnprocessableContent(
            f"{row.name} needs an api_key "
            "(a new base_url on another host clears the stored key: send it again)"
        )
