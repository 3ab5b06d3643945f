"""Talking to a provider with its credentials: the connection test and the provider's model list.

Every message that comes back from here has the key removed, because providers like to echo it
("Incorrect API key provided: sk-proj-abc...").
"""

from __future__ import annotations

import logging
import re
import time
from typing import Any
from urllib.parse import urlsplit

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import Settings
from app.core.errors import NotFound
from app.providers import crypto, service
from app.providers.schemas import ConnectionTest
from app.providers.service import COMPATIBLE, LOCAL, ResolvedProvider
from app.providers.ssrf import UnsafeProviderUrl, check_base_url
from distillation.commands.providers import SERVICES, register_compatible_providers
from distillation.providers import ChatRequest, OutputError, ProviderError, RetryPolicy, get_model
from distillation.providers.adapters.anthropic import ANTHROPIC_BASE_URL
from distillation.providers.adapters.google import GEMINI_BASE_URL
from distillation.providers.adapters.local import bundled_model_path
from distillation.providers.adapters.openai import OPENAI_BASE_URL
from distillation.providers.guard import AddressRefusedError, GuardedTransport

logger = logging.getLogger(__name__)

TEST_TIMEOUT = 20.0
LIST_TIMEOUT = 10.0
ANTHROPIC_VERSION = "2023-06-01"
DEFAULT_BASE_URLS = {
    "openai": OPENAI_BASE_URL,
    "anthropic": ANTHROPIC_BASE_URL,
    "google": GEMINI_BASE_URL,
    **{service.name: service.base_url for service in SERVICES},
}
REDACTED = "[redacted]"
UNREADABLE = "the stored key cannot be decrypted (ENCRYPTION_KEY or SECRET_KEY changed): enter it again"
_WORDS = re.compile(r"[A-Za-z0-9_\-]{6,}")


class ProbeFailed(Exception):
    """The provider could not be reached or refused the request; the message is safe to show."""


async def connection_test(
    session: AsyncSession, settings: Settings, name: str, model: str | None
) -> ConnectionTest:
    """Test the credentials of provider ``name`` (the bundled model: check that it is installed).

    Raises:
        NotFound: The provider has no credentials.
    """
    if name == LOCAL:
        return local_status()
    try:
        provider = await service.resolve_one(session, settings, name)
    except crypto.UnreadableSecret:
        return ConnectionTest(ok=False, message=UNREADABLE)
    return await check_connection(provider, settings, model)


async def served_models(
    session: AsyncSession, settings: Settings, name: str, remote: bool
) -> tuple[list[str] | None, bool | None, str | None]:
    """The provider's own model list when asked for and possible: (models, reachable, error).

    Raises:
        NotFound: ``name`` is neither a built-in provider nor one with credentials.
    """
    if name == LOCAL:
        return None, None, None
    try:
        provider = await service.resolve_one(session, settings, name)
    except NotFound:
        if name in service.KEYED_PROVIDERS:
            return None, None, None  # a built-in provider without a key: the price table's models only
        raise
    except crypto.UnreadableSecret:
        return None, None, UNREADABLE
    if not remote:
        return None, None, None
    try:
        await check_endpoint(provider, settings)
        return await remote_models(provider), True, None
    except ProbeFailed as exc:
        return None, False, str(exc)
    except UnsafeProviderUrl as exc:
        return None, False, str(exc.detail)


def redact(message: str, secret: str | None) -> str:
    """``message`` without ``secret`` or any 6+ character piece of it (providers echo key fragments)."""
    if not secret:
        return message
    message = message.replace(secret, REDACTED)
    return _WORDS.sub(lambda m: REDACTED if m.group(0) in secret else m.group(0), message)


async def check_endpoint(provider: ResolvedProvider, settings: Settings) -> None:
    """Re-check a stored base URL before sending anything there (DNS may have changed since it was saved).

    Raises:
        UnsafeProviderUrl: The URL now leads somewhere requests must not go.
    """
    if provider.source == "stored" and provider.credentials.base_url:
        allow = settings.private_provider_urls_allowed
        await check_base_url(provider.credentials.base_url, allow_private=allow)


async def check_connection(
    provider: ResolvedProvider, settings: Settings, model: str | None
) -> ConnectionTest:
    """Send a 1-token request to ``model``, or fetch the model list, with the provider's credentials."""
    started = time.perf_counter()
    try:
        await check_endpoint(provider, settings)
        if model is None:
            count = len(await remote_models(provider))
            message = f"connected: {count} models available"
        else:
            message = await _one_token(provider, model)
    except (ProbeFailed, UnsafeProviderUrl) as exc:
        detail = exc.detail if isinstance(exc, UnsafeProviderUrl) else str(exc)
        return ConnectionTest(ok=False, message=redact(str(detail), provider.credentials.api_key))
    return ConnectionTest(ok=True, message=message, latency_ms=int((time.perf_counter() - started) * 1000))


def local_status() -> ConnectionTest:
    """The bundled model needs no connection: check that its weights are installed."""
    try:
        path = bundled_model_path()
    except ProviderError as exc:
        return ConnectionTest(ok=False, message=str(exc))
    return ConnectionTest(ok=True, message=f"the bundled model is installed ({path.name})")


async def _one_token(provider: ResolvedProvider, model: str) -> str:
    register_compatible_providers()
    # Named servers speak the openai-compatible API with their own base URL.
    prefix = COMPATIBLE if provider.kind == COMPATIBLE else provider.kind
    secret = provider.credentials.api_key
    try:
        client = get_model(
            f"{prefix}:{model}",
            credentials=provider.credentials,
            retry=RetryPolicy(max_attempts=1, max_reasks=0),
            timeout=TEST_TIMEOUT,
        )
        async with client:
            await client.chat(ChatRequest.from_prompt("Reply with OK.", max_tokens=1))
    except OutputError:
        pass  # the model answered and was cut at 1 token: the credentials work
    except ProviderError as exc:
        raise ProbeFailed(redact(str(exc), secret)) from None
    except Exception as exc:  # an SDK failure the adapter did not map: report it, never raise it
        logger.warning("connection test of %s failed: %s", provider.name, type(exc).__name__)
        raise ProbeFailed(redact(f"{type(exc).__name__}: {exc}", secret)) from None
    return f"{provider.name}:{model} answered"


async def remote_models(provider: ResolvedProvider) -> list[str]:
    """The model names the provider lists for these credentials.

    Raises:
        ProbeFailed: Unreachable, refused, or an unreadable answer; the message is redacted.
    """
    if provider.kind == LOCAL:
        return []
    url, headers, params = _list_request(provider)
    secret = provider.credentials.api_key
    guard = provider.credentials.address_guard
    # A stored URL connects only to addresses the SSRF rules allow, checked as it connects.
    transport = GuardedTransport(guard) if guard is not None else None
    try:
        async with httpx.AsyncClient(
            timeout=LIST_TIMEOUT,
            headers=dict(provider.credentials.headers),
            transport=transport,  # type: ignore[arg-type]  # httpx's transport protocol
        ) as client:
            response = await client.get(url, headers=headers, params=params)
    except AddressRefusedError as exc:
        raise ProbeFailed(str(exc)) from None
    except (
        httpx.HTTPError,
        httpx.InvalidURL,
    ) as exc:  # InvalidURL is no HTTPError: a host httpx cannot parse
        host = urlsplit(url).hostname
        raise ProbeFailed(redact(f"cannot reach {host}: {type(exc).__name__} {exc}", secret)) from None
    if response.status_code != 200:
        raise ProbeFailed(redact(f"HTTP {response.status_code}: {_error_message(response)}", secret))
    try:
        return _model_names(provider.kind, response.json())
    except (ValueError, TypeError, KeyError, AttributeError):
        raise ProbeFailed("the provider's model list is unreadable") from None


def _list_request(provider: ResolvedProvider) -> tuple[str, dict[str, str], dict[str, Any]]:
    base = (provider.credentials.base_url or DEFAULT_BASE_URLS.get(provider.kind, "")).rstrip("/")
    if not base:
        raise ProbeFailed(f"{provider.name} has no base_url")
    key = provider.credentials.api_key or ""
    if provider.kind == "anthropic":
        return (
            f"{base}/v1/models",
            {"x-api-key": key, "anthropic-version": ANTHROPIC_VERSION},
            {"limit": 1000},
        )
    if provider.kind == "google":
        # The key goes in a header, not in ?key=, so it never appears in a URL (or an error quoting one).
        return f"{base}/v1beta/models", {"x-goog-api-key": key}, {"pageSize": 1000}
    return f"{base}/models", ({"Authorization": f"Bearer {key}"} if key else {}), {}


def _model_names(kind: str, body: Any) -> list[str]:
    if kind == "google":
        return sorted(
            str(m["name"]).removeprefix("models/")
            for m in body.get("models", [])
            if "generateContent" in m.get("supportedGenerationMethods", ["generateContent"])
        )
    return sorted(str(m["id"]) for m in body["data"])


def _error_message(response: httpx.Response) -> str:
    # The provider's own short message, never a whole upstream body.
    try:
        body = response.json()
    except ValueError:
        return response.reason_phrase or "error"
    error = body.get("error", body) if isinstance(body, dict) else None
    if isinstance(error, dict) and isinstance(error.get("message"), str):
        return str(error["message"])[:300]
    return response.reason_phrase or "error"
