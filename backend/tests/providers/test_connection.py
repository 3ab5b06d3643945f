"""Connection tests and live model lists against a fake provider on 127.0.0.1, through the real SDKs."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from app.core.config import Settings
from app.core.db import create_engine, create_sessionmaker
from app.models import Role
from app.providers import ssrf
from app.providers.probe import ProbeFailed, remote_models
from app.providers.service import ResolvedProvider, resolve_credentials
from distillation.providers import ChatRequest, Credentials, RetryPolicy, get_model
from distillation.providers.guard import AddressRefusedError
from distillation.testing import Behavior, FakeProviderServer
from tests.conftest import migrate
from tests.datasets.factories import client_as

API = "/api/v1/providers"
KEY = "sk-proj-Secret0123456789abcdefghijklmnop-LAST"


def local_ok(settings: Settings) -> Settings:
    """The fake server listens on loopback, which the test environment refuses unless allowed."""
    return settings.model_copy(update={"allow_private_provider_urls": True})


@pytest.fixture
async def echoing_server() -> AsyncIterator[str]:
    """A provider that refuses every key and quotes it back, as some real ones do."""

    async def refuse(request: web.Request) -> web.Response:
        key = request.headers.get("Authorization", "").removeprefix("Bearer ")
        message = f"Incorrect API key provided: {key}. You can find your key at https://example.com."
        return web.json_response({"error": {"message": message, "type": "invalid_request_error"}}, status=401)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", refuse)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    yield f"http://127.0.0.1:{port}/v1"
    await runner.cleanup()


async def test_a_working_server_passes_and_lists_its_models(any_settings: Settings) -> None:
    settings = local_ok(any_settings)
    await migrate(settings)
    async with FakeProviderServer(models=("alpha", "beta")) as server, client_as(settings) as admin:
        body = {"base_url": server.openai_base_url, "api_key": KEY}
        assert (await admin.put(f"{API}/fakelab", json=body)).status_code == 200
        listed = await admin.post(f"{API}/fakelab/test", json={})
        one_token = await admin.post(f"{API}/fakelab/test", json={"model": "alpha"})
        models = await admin.get(f"{API}/fakelab/models")
        chat = [r for r in server.requests if r.api == "openai"]
    assert listed.json()["ok"] is True, listed.text
    assert listed.json()["message"] == "connected: 2 models available"
    assert one_token.json() == one_token.json() | {"ok": True, "message": "fakelab:alpha answered"}
    assert len(chat) == 1
    assert chat[0].body["max_tokens"] == 1
    assert chat[0].headers["Authorization"] == f"Bearer {KEY}"  # the stored key was decrypted and sent
    assert models.json()["reachable"] is True
    assert [(m["id"], m["source"]) for m in models.json()["models"]] == [
        ("fakelab:alpha", "provider"),
        ("fakelab:beta", "provider"),
    ]


@pytest.mark.parametrize(
    ("name", "model", "base"),
    [
        ("openai", "gpt-4o-mini", "openai"),
        ("anthropic", "claude-haiku-4-5", "root"),
        ("google", "gemini-2.5-flash", "root"),
    ],
)
async def test_a_refused_key_is_reported_without_the_key(
    sqlite_settings: Settings, name: str, model: str, base: str
) -> None:
    settings = local_ok(sqlite_settings)
    await migrate(settings)
    async with FakeProviderServer(default=Behavior(status=401)) as server, client_as(settings) as admin:
        base_url = server.openai_base_url if base == "openai" else server.url
        saved = await admin.put(f"{API}/{name}", json={"api_key": KEY, "base_url": base_url})
        assert saved.status_code == 200, saved.text
        result = await admin.post(f"{API}/{name}/test", json={"model": model})
        sent = server.requests
    assert result.status_code == 200
    assert result.json()["ok"] is False
    assert "401" in result.json()["message"]
    assert KEY not in result.text
    assert len(sent) == 1  # one attempt: a refused key is not retried
    assert KEY in str(sent[0].headers)  # the key did go to the provider


async def test_a_key_echoed_by_the_provider_is_redacted(
    sqlite_settings: Settings, echoing_server: str
) -> None:
    settings = local_ok(sqlite_settings)
    await migrate(settings)
    async with client_as(settings) as admin:
        stored = await admin.put(f"{API}/echo", json={"api_key": KEY, "base_url": echoing_server})
        assert stored.status_code in (200, 201), stored.text
        listing = await admin.post(f"{API}/echo/test", json={})
        chat = await admin.post(f"{API}/echo/test", json={"model": "m"})
        models = await admin.get(f"{API}/echo/models")
    for response in (listing, chat, models):
        assert response.status_code == 200
        assert KEY not in response.text
        assert KEY[:-4] not in response.text
        assert KEY[8:20] not in response.text
    assert listing.json()["ok"] is False
    assert listing.json()["message"].startswith("HTTP 401: Incorrect API key provided: [redacted]")
    assert chat.json()["ok"] is False
    assert (models.json()["reachable"], models.json()["models"]) == (False, [])
    assert "[redacted]" in models.json()["error"]


async def test_an_unreachable_server_says_so(sqlite_settings: Settings) -> None:
    settings = local_ok(sqlite_settings)
    await migrate(settings)
    async with FakeProviderServer() as server:
        dead = server.openai_base_url  # nothing listens there once the server stops
    async with client_as(settings) as admin:
        await admin.put(f"{API}/gone", json={"base_url": dead})
        result = (await admin.post(f"{API}/gone/test", json={})).json()
    assert result["ok"] is False
    assert result["message"].startswith("cannot reach 127.0.0.1")


async def test_a_stored_url_is_checked_again_before_use(sqlite_settings: Settings) -> None:
    allowed = local_ok(sqlite_settings)
    await migrate(allowed)
    async with FakeProviderServer() as server:
        async with client_as(allowed) as admin:
            await admin.put(f"{API}/lab", json={"base_url": server.openai_base_url})
        # The operator turns private addresses off: the stored loopback URL must not be contacted.
        async with client_as(sqlite_settings) as admin:
            result = (await admin.post(f"{API}/lab/test", json={})).json()
            models = (await admin.get(f"{API}/lab/models")).json()
        assert server.requests == []
    assert result["ok"] is False
    assert "ALLOW_PRIVATE_PROVIDER_URLS" in result["message"]
    assert models["reachable"] is False


async def test_the_bundled_model_and_missing_credentials(sqlite_settings: Settings) -> None:
    await migrate(sqlite_settings)
    async with client_as(sqlite_settings) as admin:
        local = (await admin.post(f"{API}/local/test", json={})).json()
        missing = await admin.post(f"{API}/openai/test", json={})
    assert local["ok"] is True
    assert "SmolLM2" in local["message"]
    assert missing.status_code == 404
    assert missing.json()["detail"] == "no credentials for provider openai"


async def test_viewers_list_models_but_do_not_test(sqlite_settings: Settings) -> None:
    settings = local_ok(sqlite_settings)
    await migrate(settings)
    async with FakeProviderServer(models=("gamma",)) as server:
        async with client_as(settings) as admin:
            await admin.put(f"{API}/lab", json={"base_url": server.openai_base_url, "api_key": KEY})
        async with client_as(settings, Role.viewer) as viewer:
            models = await viewer.get(f"{API}/lab/models")
            test = await viewer.post(f"{API}/lab/test", json={})
    assert [m["id"] for m in models.json()["models"]] == ["lab:gamma"]
    assert test.status_code == 403


async def test_an_octal_ip_base_url_is_a_clear_422_not_a_500(sqlite_settings: Settings) -> None:
    settings = local_ok(sqlite_settings)
    await migrate(settings)
    async with FakeProviderServer() as server, client_as(settings) as admin:
        octal = server.openai_base_url.replace("127.0.0.1", "0177.0.0.1")
        saved = await admin.put(f"{API}/octal", json={"base_url": octal, "api_key": KEY})
        listed = await admin.get(f"{API}/octal/models")
    assert saved.status_code == 422, saved.text
    assert "write it as 127.0.0.1" in saved.json()["detail"]
    assert listed.status_code == 404  # nothing was stored


async def test_a_url_the_http_client_cannot_parse_is_a_failed_probe() -> None:
    # A stored URL that passes the SSRF check yet that httpx refuses (InvalidURL is no HTTPError).
    provider = ResolvedProvider(
        name="odd",
        kind="openai-compatible",
        source="stored",
        credentials=Credentials(base_url="http://0177.0.0.1:9/v1"),
    )
    with pytest.raises(ProbeFailed, match=r"cannot reach 0177\.0\.0\.1"):
        await remote_models(provider)


class RebindingDns:
    """Answers 127.0.0.1 for the first ``good`` lookups of a name, then a cloud metadata address."""

    def __init__(self, good: int = 1) -> None:
        self.good = good
        self.asked = 0

    async def __call__(self, host: str, port: int) -> list[str]:
        self.asked += 1
        return ["127.0.0.1" if self.asked <= self.good else "169.254.169.254"]


async def test_a_host_that_rebinds_after_the_check_is_refused_at_connect_time(
    sqlite_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = local_ok(sqlite_settings)
    await migrate(settings)
    async with FakeProviderServer() as server:
        url = server.openai_base_url.replace("127.0.0.1", "provider.test")
        monkeypatch.setattr(ssrf, "resolve_host", RebindingDns())  # the save's check sees 127.0.0.1
        async with client_as(settings) as admin:
            saved = await admin.put(f"{API}/lab", json={"base_url": url})
        monkeypatch.setattr(ssrf, "resolve_host", RebindingDns())  # the Test's check too, then it rebinds
        async with client_as(settings) as admin:
            result = (await admin.post(f"{API}/lab/test", json={"model": "gpt-fake"})).json()
        assert server.requests == []
    assert saved.status_code == 200, saved.text
    assert result["ok"] is False
    assert "provider.test resolves to 169.254.169.254" in result["message"]


async def test_jobs_connect_to_a_stored_url_only_through_the_ssrf_rules(
    sqlite_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = local_ok(sqlite_settings)
    await migrate(settings)
    async with FakeProviderServer() as server:
        url = server.openai_base_url.replace("127.0.0.1", "lab.test")
        monkeypatch.setattr(ssrf, "resolve_host", RebindingDns())
        async with client_as(settings) as admin:
            saved = await admin.put(f"{API}/lab", json={"base_url": url})
        assert saved.status_code == 200, saved.text
        monkeypatch.setattr(ssrf, "resolve_host", RebindingDns())  # first connect 127.0.0.1, then not
        engine = create_engine(settings, pooled=False)
        try:
            async with create_sessionmaker(engine)() as session:
                credentials = await resolve_credentials(session, settings)  # what a job's engine gets
        finally:
            await engine.dispose()
        once = RetryPolicy(max_attempts=1)
        model = get_model("openai-compatible:gpt-fake", credentials=credentials["lab"], retry=once)
        async with model:
            first = await model.chat(ChatRequest.from_prompt("hello", max_tokens=5))
        model = get_model("openai-compatible:gpt-fake", credentials=credentials["lab"], retry=once)
        with pytest.raises(AddressRefusedError, match=r"lab\.test resolves to 169\.254\.169\.254"):
            async with model:
                await model.chat(ChatRequest.from_prompt("hello again", max_tokens=5))
        assert len(server.requests) == 1
    assert first.text


async def test_the_model_list_of_a_stored_url_is_checked_at_connect_time(
    sqlite_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = local_ok(sqlite_settings)
    await migrate(settings)
    async with FakeProviderServer(models=("gamma",)) as server:
        url = server.openai_base_url.replace("127.0.0.1", "lab.test")
        monkeypatch.setattr(ssrf, "resolve_host", RebindingDns())
        async with client_as(settings) as admin:
            saved = await admin.put(f"{API}/lab", json={"base_url": url, "api_key": KEY})
            # Each listing checks the URL, then connects: the name rebinds between the second
            # listing's check and its connection. (lab.test is in no real DNS: a listing that worked
            # connected through the guard's own lookup.)
            dns = RebindingDns(good=3)
            monkeypatch.setattr(ssrf, "resolve_host", dns)
            first = await admin.get(f"{API}/lab/models")
            second = await admin.get(f"{API}/lab/models")
    assert saved.status_code == 200, saved.text
    assert [m["id"] for m in first.json()["models"]] == ["lab:gamma"]
    assert dns.asked == 4
    assert second.json()["models"] == []
    assert "lab.test resolves to 169.254.169.254" in second.text
