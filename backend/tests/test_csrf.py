"""CSRF: writes with the session cookie need the dashboard's origin and the session's CSRF token.

An attacker's page (another site, or another app on the same ``localhost``) can make the browser send
the session cookie, but cannot choose the ``Origin`` the browser sends, nor read the token cookie.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from app.auth.csrf import CSRF_COOKIE, CSRF_HEADER
from app.core.config import Settings
from app.models import Role
from tests.clients import bearer_client, token_of
from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, api_client, make_settings, migrate
from tests.datasets.factories import jsonl, seed_dataset
from tests.jobs.jobkit import generation

LOGIN = "/api/v1/auth/login"
OWN = "http://testserver"  # the origin of the test client's requests
EVIL = "http://evil.example"
SIBLING = "http://localhost:3001"  # another app on the same machine: the same site as localhost:3000

Write = tuple[str, str, dict[str, Any], int]


@asynccontextmanager
async def browser(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """A logged-in client that, unlike the dashboard's helper, adds no Origin and no token by itself."""
    async with api_client(settings) as client:
        response = await client.post(LOGIN, json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
        assert response.status_code == 200, response.text
        yield client


async def writes(settings: Settings, client: httpx.AsyncClient) -> list[Write]:
    """One write of each shape (method, path, request arguments, success status); logout last."""
    started = await client.post(
        "/api/v1/jobs/generate", json=generation(3), headers={"Origin": OWN, CSRF_HEADER: token(client)}
    )
    assert started.status_code == 201, started.text
    dataset = await seed_dataset(settings, 2)
    rows = jsonl({"prompt": "2 + 2?", "completion": "4"})
    upload = {
        "data": {"name": "uploaded", "data_type": "qa"},
        "files": {"file": ("rows.jsonl", rows, "application/jsonl")},
    }
    return [
        ("POST", "/api/v1/datasets/upload", upload, 201),
        ("POST", "/api/v1/system/diagnostics", {}, 202),
        ("POST", f"/api/v1/jobs/{started.json()['id']}/cancel", {}, 200),
        ("PATCH", f"/api/v1/datasets/{dataset}", {"json": {"name": "renamed"}}, 200),
        ("DELETE", f"/api/v1/datasets/{dataset}", {}, 204),
        ("POST", "/api/v1/auth/logout", {}, 204),
    ]


def token(client: httpx.AsyncClient) -> str:
    """The CSRF token the dashboard reads from its cookie."""
    value: str = client.cookies[CSRF_COOKIE]
    return value


async def send(client: httpx.AsyncClient, write: Write, headers: dict[str, str]) -> httpx.Response:
    method, path, arguments, _ = write
    return await client.request(method, path, headers=headers, **arguments)


def assert_refused(response: httpx.Response, reason: str) -> None:
    assert response.status_code == 403, f"{response.request.method} {response.request.url}: {response.text}"
    assert response.json()["error"] == "forbidden"
    assert reason in response.json()["detail"]


@pytest.mark.parametrize(
    ("header", "value", "named"),
    [
        ("Origin", EVIL, EVIL),
        ("Origin", SIBLING, SIBLING),
        ("Origin", "null", "null"),
        ("Referer", f"{EVIL}/attack.html?x=1", EVIL),
    ],
    ids=["origin", "same-site-origin", "null-origin", "referer-only"],
)
async def test_another_origin_cannot_write_with_the_session_cookie(
    sqlite_settings: Settings, header: str, value: str, named: str
) -> None:
    await migrate(sqlite_settings)
    async with browser(sqlite_settings) as client:
        attempts = await writes(sqlite_settings, client)
        before = (await client.get("/api/v1/datasets")).json()
        for write in attempts:
            # Even with the right token: the origin alone decides.
            response = await send(client, write, {header: value, CSRF_HEADER: token(client)})
            assert_refused(response, f"requests from {named} may not write")
        assert (await client.get("/api/v1/auth/me")).status_code == 200  # the logout was refused too
        assert (await client.get("/api/v1/datasets")).json() == before  # nothing uploaded, renamed, deleted


async def test_a_cookie_write_without_origin_or_referer_is_refused(sqlite_settings: Settings) -> None:
    await migrate(sqlite_settings)
    async with browser(sqlite_settings) as client:
        for write in await writes(sqlite_settings, client):
            response = await send(client, write, {CSRF_HEADER: token(client)})
            assert_refused(response, "needs an Origin or Referer")


async def test_a_write_needs_the_csrf_token_of_its_own_session(sqlite_settings: Settings) -> None:
    await migrate(sqlite_settings)
    async with browser(sqlite_settings) as other, browser(sqlite_settings) as client:
        assert token(other) != token(client)
        for write in await writes(sqlite_settings, client):
            for headers in ({"Origin": OWN}, {"Origin": OWN, CSRF_HEADER: token(other)}):
                assert_refused(await send(client, write, headers), f"missing or wrong {CSRF_HEADER}")
            # The dashboard's write: its origin and its token.
            response = await send(client, write, {"Origin": OWN, CSRF_HEADER: token(client)})
            assert response.status_code == write[3], f"{write[:2]}: {response.text}"
        assert (await client.get("/api/v1/auth/me")).status_code == 401  # logged out
        assert CSRF_COOKIE not in client.cookies  # and the token went with the session


async def test_a_referer_of_the_own_origin_is_enough_without_an_origin(sqlite_settings: Settings) -> None:
    await migrate(sqlite_settings)
    async with browser(sqlite_settings) as client:
        headers = {"Referer": f"{OWN}/datasets/", CSRF_HEADER: token(client)}
        response = await client.post("/api/v1/system/diagnostics", headers=headers)
    assert response.status_code == 202, response.text


async def test_api_tokens_are_exempt_whatever_the_origin(sqlite_settings: Settings) -> None:
    await migrate(sqlite_settings)
    _, secret = await token_of(sqlite_settings, Role.editor)
    async with bearer_client(sqlite_settings, secret) as client:
        client.headers["Origin"] = EVIL
        diagnostics = await client.post("/api/v1/system/diagnostics")
        upload = await client.post(
            "/api/v1/datasets/upload",
            data={"name": "by token", "data_type": "qa"},
            files={"file": ("rows.jsonl", jsonl({"prompt": "1?", "completion": "1"}), "application/jsonl")},
        )
    assert diagnostics.status_code == 202, diagnostics.text
    assert upload.status_code == 201, upload.text


async def test_login_needs_no_token_but_refuses_other_origins(sqlite_settings: Settings) -> None:
    await migrate(sqlite_settings)
    credentials = {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
    async with api_client(sqlite_settings) as client:
        # A script (no Origin, no cookie), then the dashboard (its origin, an old session's cookies).
        assert (await client.post(LOGIN, json=credentials)).status_code == 200
        first = token(client)
        again = await client.post(LOGIN, json=credentials, headers={"Origin": OWN})
        assert again.status_code == 200, again.text
        assert token(client) != first  # a new session, a new token
        # A script logging in again with its old cookies and no Origin: login does not act with them.
        assert (await client.post(LOGIN, json=credentials)).status_code == 200
        # Another page logging the browser in (into the attacker's account, say): refused.
        client.cookies.clear()
        assert_refused(await client.post(LOGIN, json=credentials, headers={"Origin": EVIL}), EVIL)
    token_cookie = next(c for c in again.headers.get_list("set-cookie") if c.startswith(f"{CSRF_COOKIE}="))
    assert "httponly" not in token_cookie.lower()  # the dashboard's scripts read it
    assert "samesite=lax" in token_cookie.lower()


async def test_the_public_url_and_trusted_origins_are_the_only_origins(tmp_path: Path) -> None:
    public = "https://distillery.example.com"
    dev = "http://localhost:3000"
    settings = make_settings(tmp_path, public_url=f"{public}/", trusted_origins=f" {dev} ,")
    await migrate(settings)
    async with browser(settings) as client:
        csrf = token(client)
        for origin, status in ((public, 202), (f"{public}:443", 202), (dev, 202), (OWN, 403), (SIBLING, 403)):
            response = await client.post(
                "/api/v1/system/diagnostics", headers={"Origin": origin, CSRF_HEADER: csrf}
            )
            assert response.status_code == status, f"{origin}: {response.text}"


async def test_a_session_without_its_token_cookie_gets_it_back(sqlite_settings: Settings) -> None:
    await migrate(sqlite_settings)
    async with browser(sqlite_settings) as client:
        csrf = token(client)
        client.cookies.delete(CSRF_COOKIE)
        assert (await client.get("/api/v1/auth/me")).status_code == 200
        assert token(client) == csrf
        response = await client.post("/api/v1/system/diagnostics", headers={"Origin": OWN, CSRF_HEADER: csrf})
    assert response.status_code == 202, response.text


@pytest.mark.parametrize(
    "value", ["localhost:3000", "http://localhost:3000/app", "ftp://example.com", "http://a.example?x"]
)
def test_trusted_origins_must_be_origins(tmp_path: Path, value: str) -> None:
    with pytest.raises(ValidationError, match="TRUSTED_ORIGINS"):
        make_settings(tmp_path, trusted_origins=value)


def test_a_public_url_must_be_an_http_url(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="PUBLIC_URL"):
        make_settings(tmp_path, public_url="distillery.example.com")
    assert make_settings(tmp_path, public_url="").public_url == ""
