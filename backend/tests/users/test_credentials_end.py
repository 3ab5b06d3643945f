"""When credentials end: a password change ends the other sessions and, when asked, the API tokens;
deactivating a user ends both for good."""

from __future__ import annotations

import httpx

from app.core.config import Settings
from app.models import Role
from tests.clients import bearer_client, new_token
from tests.conftest import api_client, login, migrate
from tests.datasets.factories import PASSWORD, add_user, client_as

PATH = "/api/v1/users/me/password"
ME = "/api/v1/auth/me"


def change(revoke_tokens: bool | None = None) -> dict[str, object]:
    body: dict[str, object] = {"current_password": PASSWORD, "new_password": "a new password"}
    return body if revoke_tokens is None else body | {"revoke_tokens": revoke_tokens}


async def logged_in(client: httpx.AsyncClient, email: str) -> httpx.AsyncClient:
    await login(client, email, PASSWORD)
    return client


async def test_a_password_change_revokes_the_tokens_when_asked(any_settings: Settings) -> None:
    await migrate(any_settings)
    email = await add_user(any_settings, Role.editor)
    async with api_client(any_settings) as first, api_client(any_settings) as second:
        await logged_in(first, email)
        await logged_in(second, email)
        secret = await new_token(first)
        assert (await first.post(PATH, json=change(revoke_tokens=True))).status_code == 204
        assert (await first.get(ME)).status_code == 200  # the session that changed it stays
        assert (await second.get(ME)).status_code == 401
        async with bearer_client(any_settings, secret) as bearer:
            assert (await bearer.get(ME)).status_code == 401
        [token] = (await first.get("/api/v1/tokens")).json()
    assert token["revoked_at"] is not None


async def test_a_password_change_keeps_the_tokens_unless_asked(sqlite_settings: Settings) -> None:
    await migrate(sqlite_settings)
    for body in (change(), change(revoke_tokens=False)):
        email = await add_user(sqlite_settings, Role.viewer)
        async with api_client(sqlite_settings) as client:
            secret = await new_token(await logged_in(client, email))
            assert (await client.post(PATH, json=body)).status_code == 204
        async with bearer_client(sqlite_settings, secret) as bearer:
            assert (await bearer.get(ME)).status_code == 200


async def test_a_token_that_changes_the_password_can_revoke_itself(sqlite_settings: Settings) -> None:
    await migrate(sqlite_settings)
    email = await add_user(sqlite_settings, Role.editor)
    async with api_client(sqlite_settings) as client:
        secret = await new_token(await logged_in(client, email), scope="write")
    async with bearer_client(sqlite_settings, secret) as bearer:
        assert (await bearer.post(PATH, json=change(revoke_tokens=True))).status_code == 204
        assert (await bearer.get(ME)).status_code == 401


async def test_a_read_token_cannot_change_the_password(sqlite_settings: Settings) -> None:
    await migrate(sqlite_settings)
    email = await add_user(sqlite_settings, Role.admin)
    async with api_client(sqlite_settings) as client:
        secret = await new_token(await logged_in(client, email), scope="read")
    async with bearer_client(sqlite_settings, secret) as bearer:
        refused = await bearer.post(PATH, json=change(revoke_tokens=True))
        assert (await bearer.get(ME)).status_code == 200
    assert refused.status_code == 403
    assert refused.json()["detail"] == "this API token has scope read; this needs scope write or more"
    async with api_client(sqlite_settings) as client:
        await login(client, email, PASSWORD)  # the password is unchanged


async def test_a_deactivated_users_tokens_stay_revoked_when_reactivated(any_settings: Settings) -> None:
    await migrate(any_settings)
    email = await add_user(any_settings, Role.editor)
    async with api_client(any_settings) as client:
        secret = await new_token(await logged_in(client, email))
    async with client_as(any_settings) as admin:
        users = (await admin.get("/api/v1/users")).json()["items"]
        user = f"/api/v1/users/{next(u['id'] for u in users if u['email'] == email)}"
        assert (await admin.patch(user, json={"is_active": False})).status_code == 200
        assert (await admin.patch(user, json={"is_active": True})).status_code == 200
    async with bearer_client(any_settings, secret) as bearer:
        assert (await bearer.get(ME)).status_code == 401
    async with api_client(any_settings) as client:
        await login(client, email, PASSWORD)  # the user can sign in again and make new tokens
        assert (await client.get(ME)).status_code == 200
