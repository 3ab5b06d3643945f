"""Security headers: a CSP that allows exactly the inline scripts a page ships, no framing, nosniff,
a same-origin referrer, and HSTS only behind https."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import pytest

from app.core.config import Settings
from app.core.security_headers import inline_script_hashes
from tests.conftest import api_client, make_settings, migrate

BOOTSTRAP = b'self.__next_f.push([1,"page"])'
PAGE = (
    b'<!DOCTYPE html><html><head><script src="/_next/static/chunks/main.js" async></script></head>'
    b"<body><script>" + BOOTSTRAP + b'</script><script id="x">(function(){})()</script></body></html>'
)


def sha256(script: bytes) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(script).digest()).decode() + "'"


def directives(policy: str) -> dict[str, list[str]]:
    return {name: values for name, *values in (part.split() for part in policy.split(";"))}


@pytest.fixture
def dashboard(tmp_path: Path) -> Settings:
    out = tmp_path / "out"
    out.mkdir()
    (out / "index.html").write_bytes(PAGE)
    (out / "app.js").write_text("console.log(1)")
    return make_settings(tmp_path / "data", frontend_dir=out)


def test_inline_scripts_are_hashed_and_external_ones_are_not() -> None:
    assert inline_script_hashes(PAGE) == [sha256(BOOTSTRAP), sha256(b"(function(){})()")]


async def test_dashboard_pages_allow_exactly_their_inline_scripts(dashboard: Settings) -> None:
    await migrate(dashboard)
    async with api_client(dashboard) as client:
        page = await client.get("/")
        cached = await client.get("/", headers={"If-None-Match": page.headers["etag"]})
    policy = directives(page.headers["content-security-policy"])
    assert page.content == PAGE  # the page itself is untouched
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'", sha256(BOOTSTRAP), sha256(b"(function(){})()")]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    # A 304 keeps the policy the browser stored with the page: a new one would drop its hashes.
    assert cached.status_code == 304
    assert "content-security-policy" not in cached.headers
    assert cached.headers["x-content-type-options"] == "nosniff"


async def test_api_responses_carry_the_headers_too(sqlite_settings: Settings) -> None:
    await migrate(sqlite_settings)
    async with api_client(sqlite_settings) as client:
        responses = [await client.get("/api/v1/auth/me"), await client.get("/api/v1/health")]
    for response in responses:
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "same-origin"
        assert response.headers["x-frame-options"] == "DENY"
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        assert "strict-transport-security" not in response.headers


async def test_hsts_only_when_the_public_url_is_https(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, public_url="https://distillery.example.com")
    await migrate(settings)
    async with api_client(settings) as client:
        response = await client.get("/api/v1/health")
    assert response.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
async def test_api_docs_pages_allow_their_inline_script_and_nothing_off_site(
    sqlite_settings: Settings, path: str
) -> None:
    await migrate(sqlite_settings)
    async with api_client(sqlite_settings) as client:
        page = await client.get(path)
    policy = directives(page.headers["content-security-policy"])
    inline = re.findall(rb"<script>(.*?)</script>", page.content, re.DOTALL)  # Swagger UI's start-up
    assert policy["script-src"] == ["'self'", *map(sha256, inline)]
    # Their bundles, styles, fonts and favicon are served here: the policy names no other host.
    assert not [value for values in policy.values() for value in values if "://" in value]
