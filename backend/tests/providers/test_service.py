"""``resolve_credentials`` for the job engine, and keys at rest."""

from __future__ import annotations

import logging

import pytest
from pydantic import SecretStr

from app.core.config import Settings
from app.core.db import create_engine, create_sessionmaker
from app.providers import crypto
from app.providers.service import resolve_credentials
from distillation.providers import Credentials, get_model
from tests.conftest import migrate
from tests.datasets.factories import client_as

API = "/api/v1/providers"
STORED = "sk-stored-0123456789abcdef-AAAA"
ENV_OPENAI = "sk-env-openai-0123456789-BBBB"
ENV_GROQ = "gsk-env-groq-0123456789-CCCC"


async def resolved(settings: Settings) -> dict[str, Credentials]:
    engine = create_engine(settings, pooled=False)
    async with create_sessionmaker(engine)() as session:
        found = await resolve_credentials(session, settings)
    await engine.dispose()
    return found


def with_env_keys(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            "openai_api_key": SecretStr(ENV_OPENAI),
            "groq_api_key": SecretStr(ENV_GROQ),
            "allow_private_provider_urls": True,
        }
    )


async def test_stored_keys_win_and_the_environment_fills_in(any_settings: Settings) -> None:
    settings = with_env_keys(any_settings)
    await migrate(settings)
    assert set(await resolved(settings)) == {"openai", "groq"}
    async with client_as(settings) as admin:
        await admin.put(f"{API}/openai", json={"api_key": STORED})
        await admin.put(f"{API}/homelab", json={"base_url": "http://127.0.0.1:11434/v1"})
    found = await resolved(settings)
    assert set(found) == {"openai", "groq", "homelab"}
    assert (found["openai"].api_key, found["openai"].base_url) == (STORED, None)
    assert found["groq"].api_key == ENV_GROQ
    assert (found["homelab"].api_key, found["homelab"].base_url) == (None, "http://127.0.0.1:11434/v1")
    # The named server is now a provider of the engine: "homelab:<model>" ids work.
    client = get_model("homelab:llama3.1", credentials=found["homelab"])
    assert (client.adapter.provider, client.adapter.model) == ("homelab", "llama3.1")
    await client.aclose()


async def test_deleting_a_stored_key_falls_back_to_the_environment(sqlite_settings: Settings) -> None:
    settings = with_env_keys(sqlite_settings)
    await migrate(settings)
    async with client_as(settings) as admin:
        await admin.put(f"{API}/openai", json={"api_key": STORED})
        assert (await resolved(settings))["openai"].api_key == STORED
        await admin.delete(f"{API}/openai")
        listed = {p["name"]: p for p in (await admin.get(API)).json()}
    assert (await resolved(settings))["openai"].api_key == ENV_OPENAI
    assert listed["openai"]["source"] == "environment"


async def test_a_changed_secret_leaves_stored_keys_unreadable_but_says_so(
    sqlite_settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    await migrate(sqlite_settings)
    async with client_as(sqlite_settings) as admin:
        await admin.put(f"{API}/anthropic", json={"api_key": STORED})
    rotated = sqlite_settings.model_copy(
        update={"secret_key": SecretStr("another-secret-key-of-enough-length")}
    )
    with caplog.at_level(logging.WARNING):
        found = await resolved(rotated)
    assert "anthropic" not in found
    assert "anthropic cannot be decrypted" in caplog.text
    async with client_as(rotated) as admin:
        result = (await admin.post(f"{API}/anthropic/test", json={"model": "claude-haiku-4-5"})).json()
        models = (await admin.get(f"{API}/anthropic/models")).json()
    assert result["ok"] is False
    assert "enter it again" in result["message"]
    assert "enter it again" in models["error"]


def test_encryption_key_takes_precedence_over_secret_key(sqlite_settings: Settings) -> None:
    dedicated = sqlite_settings.model_copy(
        update={"encryption_key": SecretStr("a-dedicated-encryption-key-123")}
    )
    token = crypto.encrypt(dedicated.credentials_key, STORED)
    assert crypto.decrypt(dedicated.credentials_key, token) == STORED
    with pytest.raises(crypto.UnreadableSecret):
        crypto.decrypt(sqlite_settings.credentials_key, token)
    with pytest.raises(crypto.UnreadableSecret):
        crypto.decrypt(dedicated.credentials_key, token[:-2] + "xx")


def test_a_placeholder_encryption_key_is_refused_outside_development() -> None:
    with pytest.raises(ValueError, match="ENCRYPTION_KEY is a placeholder"):
        Settings(
            _env_file=None,
            environment="production",
            secret_key=SecretStr("x" * 48),
            encryption_key=SecretStr("changethis"),
        )
