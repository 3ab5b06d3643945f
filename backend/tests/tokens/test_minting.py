"""A token may make tokens, but none with more scope or a later expiry than itself."""

from __future__ import annotations

from datetime import datetime

import pytest

from app.core.config import Settings
from app.models import Role
from tests.clients import bearer_client, token_of
from tests.conftest import migrate

API = "/api/v1/tokens"
SCOPES = ("read", "write", "admin")


@pytest.mark.parametrize(("scope", "wider"), [("read", "write"), ("read", "admin"), ("write", "admin")])
async def test_a_token_cannot_mint_a_token_with_more_scope(
    any_settings: Settings, scope: str, wider: str
) -> None:
    await migrate(any_settings)
    _, secret = await token_of(any_settings, Role.admin, scope=scope)
    async with bearer_client(any_settings, secret) as bearer:
        refused = await bearer.post(API, json={"name": "wider", "scope": wider})
        same = await bearer.post(API, json={"name": "same", "scope": scope})
        default = await bearer.post(API, json={"name": "default"})
        names = [t["name"] for t in (await bearer.get(API)).json()]
    assert refused.status_code == 403
    assert refused.json()["detail"] == f"a token with scope {scope} cannot make a token with scope {wider}"
    assert (same.status_code, same.json()["scope"]) == (201, scope)
    assert (default.status_code, default.json()["scope"]) == (201, scope)
    assert "wider" not in names


async def test_an_admin_token_mints_narrower_tokens(sqlite_settings: Settings) -> None:
    await migrate(sqlite_settings)
    _, secret = await token_of(sqlite_settings, Role.admin, scope="admin")
    async with bearer_client(sqlite_settings, secret) as bearer:
        made = [await bearer.post(API, json={"name": s, "scope": s}) for s in SCOPES]
    assert [(r.status_code, r.json()["scope"]) for r in made] == [(201, s) for s in SCOPES]


async def test_an_expiring_token_mints_only_tokens_that_expire_no_later(any_settings: Settings) -> None:
    await migrate(any_settings)
    _, secret = await token_of(any_settings, Role.editor, expires_in_days=10)
    async with bearer_client(any_settings, secret) as bearer:
        never = await bearer.post(API, json={"name": "never"})
        later = await bearer.post(API, json={"name": "later", "expires_in_days": 11})
        sooner = await bearer.post(API, json={"name": "sooner", "expires_in_days": 9})
        [own] = [t for t in (await bearer.get(API)).json() if t["name"] == "ci"]
    for refused in (never, later):
        assert refused.status_code == 403
        assert refused.json()["detail"] == (
            f"this API token expires at {datetime.fromisoformat(own['expires_at']).isoformat()}; "
            "a token it makes must expire no later (at most 9 days from now)"
        )
    assert sooner.status_code == 201
    assert sooner.json()["expires_at"] <= own["expires_at"]


async def test_a_token_that_never_expires_mints_any_expiry(sqlite_settings: Settings) -> None:
    await migrate(sqlite_settings)
    _, secret = await token_of(sqlite_settings, Role.viewer)
    async with bearer_client(sqlite_settings, secret) as bearer:
        never = await bearer.post(API, json={"name": "never"})
        long = await bearer.post(API, json={"name": "long", "expires_in_days": 3650})
    assert (never.status_code, never.json()["expires_at"]) == (201, None)
    assert long.status_code == 201
