"""Provider credentials over HTTP: admins write, keys are encrypted and never come back, URLs are checked."""

from __future__ import annotations

from pydantic import SecretStr
from sqlalchemy import select

from app.core.config import Settings
from app.core.db import create_engine, create_sessionmaker
from app.models import ProviderCredential, Role
from app.providers import crypto
from tests.conftest import migrate
from tests.datasets.factories import client_as

API = "/api/v1/providers"
KEY = "sk-test-0123456789abcdefghijklmnopqrstuvwxyz-WXYZ"


async def stored(settings: Settings) -> dict[str, ProviderCredential]:
    engine = create_engine(settings, pooled=False)
    async with create_sessionmaker(engine)() as session:
        rows = {row.name: row for row in await session.scalars(select(ProviderCredential))}
    await engine.dispose()
    return rows


async def test_a_stored_key_is_encrypted_and_only_its_last_4_come_back(any_settings: Settings) -> None:
    await migrate(any_settings)
    async with client_as(any_settings) as admin:
        saved = await admin.put(f"{API}/openai", json={"api_key": KEY})
        assert saved.status_code == 200, saved.text
        assert saved.json()["key_last4"] == "WXYZ"
        assert (saved.json()["source"], saved.json()["provider"]) == ("stored", "openai")
        listed = await admin.get(API)
    assert KEY not in saved.text
    assert KEY not in listed.text
    by_name = {p["name"]: p for p in listed.json()}
    assert by_name["openai"]["key_last4"] == "WXYZ"
    assert by_name["anthropic"]["source"] == "none"
    assert by_name["local"] == by_name["local"] | {"source": "bundled", "configured": True}
    row = (await stored(any_settings))["openai"]
    assert row.encrypted_key is not None
    assert KEY not in row.encrypted_key
    assert crypto.decrypt(any_settings.credentials_key, row.encrypted_key) == KEY


async def test_fields_not_sent_stay_and_the_key_is_only_replaced(sqlite_settings: Settings) -> None:
    settings = sqlite_settings.model_copy(update={"allow_private_provider_urls": True})
    await migrate(settings)
    async with client_as(settings) as admin:
        first = await admin.put(f"{API}/ollama", json={"base_url": "http://127.0.0.1:11434/v1/"})
        assert first.status_code == 200, first.text
        assert (first.json()["provider"], first.json()["base_url"]) == (
            "openai-compatible",
            "http://127.0.0.1:11434/v1",
        )
        assert first.json()["key_last4"] is None  # an Ollama server needs no key
        keyed = await admin.put(f"{API}/ollama", json={"api_key": KEY})
        assert keyed.json()["base_url"] == "http://127.0.0.1:11434/v1"
        assert keyed.json()["key_last4"] == "WXYZ"
        same_host = await admin.put(f"{API}/ollama", json={"base_url": "http://127.0.0.1:11434/api/v1"})
        assert same_host.json()["key_last4"] == "WXYZ"
        moved = await admin.put(f"{API}/ollama", json={"base_url": "http://127.0.0.1:8080/v1"})
        assert moved.json()["key_last4"] is None  # the key never goes to a host it was not given for
        rekeyed = await admin.put(
            f"{API}/ollama", json={"base_url": "http://127.0.0.1:9090/v1", "api_key": KEY}
        )
        assert rekeyed.json()["key_last4"] == "WXYZ"
        cleared = await admin.put(f"{API}/ollama", json={"api_key": None})
        assert cleared.json()["key_last4"] is None
        assert (await admin.delete(f"{API}/ollama")).status_code == 204
        assert (await admin.delete(f"{API}/ollama")).status_code == 404
        assert "ollama" not in [p["name"] for p in (await admin.get(API)).json()]


async def test_a_stored_key_never_follows_a_new_host(sqlite_settings: Settings) -> None:
    # An admin who may not read the key must not be able to send it elsewhere: a new base_url on
    # another host clears the stored key, and a provider that needs a key then refuses the change.
    settings = sqlite_settings.model_copy(update={"allow_private_provider_urls": True})
    await migrate(settings)
    async with client_as(settings) as admin:
        saved = await admin.put(
            f"{API}/openai", json={"api_key": KEY, "base_url": "http://127.0.0.1:11111/v1"}
        )
        assert saved.status_code == 200, saved.text
        moved = await admin.put(f"{API}/openai", json={"base_url": "http://127.0.0.2:11111/v1"})
        assert moved.status_code == 422
        assert "send it again" in moved.json()["detail"]
        unchanged = {p["name"]: p for p in (await admin.get(API)).json()}["openai"]
    assert (unchanged["base_url"], unchanged["key_last4"]) == ("http://127.0.0.1:11111/v1", "WXYZ")
    row = (await stored(settings))["openai"]
    assert row.base_url == "http://127.0.0.1:11111/v1"
    assert row.encrypted_key is not None


async def test_what_each_provider_needs(sqlite_settings: Settings) -> None:
    settings = sqlite_settings.model_copy(update={"allow_private_provider_urls": True})
    await migrate(settings)
    async with client_as(settings) as admin:
        cases = {
            "openai": {"base_url": "http://127.0.0.1:9/v1"},  # no key
            "vllm": {"api_key": KEY},  # a server without base_url
            "anthropic": {"provider": "openai", "api_key": KEY},
            "mylab": {"provider": "anthropic", "api_key": KEY},
            "local": {"api_key": KEY},
            "Bad_Name": {"api_key": KEY},
            "groq": {"api_key": KEY + " \x00"},  # not a key: said without quoting it
            "lab": {"base_url": "http://127.0.0.1:1/v1\x00"},
        }
        answers = {name: await admin.put(f"{API}/{name}", json=body) for name, body in cases.items()}
    assert {name: r.status_code for name, r in answers.items()} == dict.fromkeys(cases, 422)
    assert "needs an api_key" in answers["openai"].json()["detail"]
    assert "base_url is required" in answers["vllm"].json()["detail"]
    assert "needs no credentials" in answers["local"].json()["detail"]
    assert all(KEY not in r.text for r in answers.values())
    assert "printable ASCII" in answers["groq"].text
    assert await stored(settings) == {}


async def test_an_unsafe_base_url_is_a_422_with_the_reason(any_settings: Settings) -> None:
    await migrate(any_settings)  # ENVIRONMENT=test: private addresses are not allowed by default
    async with client_as(any_settings) as admin:
        metadata = await admin.put(f"{API}/evil", json={"base_url": "http://169.254.169.254/latest"})
        loopback = await admin.put(f"{API}/ollama", json={"base_url": "http://127.0.0.1:11434/v1"})
        scheme = await admin.put(f"{API}/openai", json={"api_key": KEY, "base_url": "file:///etc/passwd"})
    assert (metadata.status_code, metadata.json()["error"]) == (422, "unsafe_url")
    assert "metadata" in metadata.json()["detail"]
    assert loopback.status_code == 422
    assert "ALLOW_PRIVATE_PROVIDER_URLS" in loopback.json()["detail"]
    assert scheme.status_code == 422
    assert await stored(any_settings) == {}


async def test_private_urls_are_allowed_in_development_by_default(sqlite_settings: Settings) -> None:
    settings = sqlite_settings.model_copy(update={"environment": "development"})
    assert settings.private_provider_urls_allowed
    assert not sqlite_settings.private_provider_urls_allowed
    await migrate(settings)
    async with client_as(settings) as admin:
        saved = await admin.put(f"{API}/ollama", json={"base_url": "http://127.0.0.1:11434/v1"})
        metadata = await admin.put(f"{API}/evil", json={"base_url": "http://[fe80::1]/v1"})
    assert saved.status_code == 200
    assert metadata.status_code == 422


async def test_editors_and_viewers_cannot_manage_keys(any_settings: Settings) -> None:
    await migrate(any_settings)
    async with client_as(any_settings) as admin:
        assert (await admin.put(f"{API}/openai", json={"api_key": KEY})).status_code == 200
    for role in (Role.editor, Role.viewer):
        async with client_as(any_settings, role) as client:
            writes = [
                await client.put(f"{API}/openai", json={"api_key": "sk-attacker-key-1234567890"}),
                await client.put(f"{API}/groq", json={"api_key": "gsk-attacker-key-1234567890"}),
                await client.delete(f"{API}/openai"),
                await client.post(f"{API}/openai/test", json={}),
            ]
            assert [w.status_code for w in writes] == [403] * len(writes), role
            listed = await client.get(API)
            assert listed.status_code == 200
            assert KEY not in listed.text
            assert {p["name"]: p["key_last4"] for p in listed.json()}["openai"] == "WXYZ"
    row = (await stored(any_settings))["openai"]
    assert row.encrypted_key is not None
    assert crypto.decrypt(any_settings.credentials_key, row.encrypted_key) == KEY


async def test_environment_keys_are_listed_as_the_fallback(sqlite_settings: Settings) -> None:
    settings = sqlite_settings.model_copy(
        update={"anthropic_api_key": SecretStr("sk-ant-env-0123456789-ABCD")}
    )
    await migrate(settings)
    async with client_as(settings, Role.viewer) as viewer:
        listed = {p["name"]: p for p in (await viewer.get(API)).json()}
    assert (listed["anthropic"]["source"], listed["anthropic"]["key_last4"]) == ("environment", "ABCD")
    assert listed["openai"]["configured"] is False


async def test_the_price_tables_models_without_asking_the_provider(sqlite_settings: Settings) -> None:
    await migrate(sqlite_settings)
    async with client_as(sqlite_settings, Role.viewer) as viewer:
        openai = (await viewer.get(f"{API}/openai/models", params={"remote": "false"})).json()
        local = (await viewer.get(f"{API}/local/models")).json()
        unknown = await viewer.get(f"{API}/nosuchserver/models")
    by_id = {m["id"]: m for m in openai["models"]}
    assert openai["reachable"] is None
    assert by_id["openai:gpt-4o-mini"]["source"] == "price_table"
    assert by_id["openai:gpt-4o-mini"]["input_per_mtok"] == "0.15"  # money as a decimal string
    assert local["models"] == [
        {"id": "local:smollm2-135m", "source": "bundled", "input_per_mtok": "0", "output_per_mtok": "0"}
    ]
    assert unknown.status_code == 404
