"""``/docs`` and ``/redoc`` work offline: every script, style sheet and icon they load is served here."""

from __future__ import annotations

import re

import pytest

from app.core.config import Settings
from tests.conftest import api_client, migrate

# src/href attributes of <script>, <link> and <img> elements.
_ASSET = re.compile(r"<(?:script|link|img)\b[^>]*?\b(?:src|href)=[\"']([^\"']+)[\"']", re.IGNORECASE)
CONTENT_TYPES = {".js": "text/javascript", ".css": "text/css", ".png": "image/png"}


BUNDLES = [("/docs", "swagger-ui-bundle.js"), ("/redoc", "redoc.standalone.js")]


@pytest.mark.parametrize(("path", "bundle"), BUNDLES)
async def test_api_docs_load_only_same_origin_assets(
    sqlite_settings: Settings, path: str, bundle: str
) -> None:
    await migrate(sqlite_settings)
    async with api_client(sqlite_settings) as client:
        page = await client.get(path)
        urls = _ASSET.findall(page.text)
        local = [url for url in urls if url.startswith("/") and not url.startswith("//")]
        assets = {url: await client.get(url) for url in local}
    assert page.status_code == 200
    assert any(url.endswith(bundle) for url in urls)
    assert sorted(assets) == sorted(urls)  # no absolute or protocol-relative URL
    for url, response in assets.items():
        assert response.status_code == 200, url
        suffix = url[url.rindex(".") :]
        assert response.headers["content-type"].startswith(CONTENT_TYPES[suffix]), url
        assert len(response.content) > 1000, url  # the real bundle, not an error page


async def test_swagger_ui_loads_the_schema_of_this_api(sqlite_settings: Settings) -> None:
    await migrate(sqlite_settings)
    async with api_client(sqlite_settings) as client:
        docs = await client.get("/docs")
        redirect = await client.get("/docs/oauth2-redirect")
    assert "url: '/openapi.json'" in docs.text
    assert redirect.status_code == 200
