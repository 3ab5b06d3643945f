"""Users over HTTP: admins manage them, nobody else can; everyone changes their own password."""

from __future__ import annotations

import uuid

from app.core.config import Settings
from app.models import Role
from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, api_client, login, migrate
from tests.datasets.factories import PASSWORD, add_user, client_as, seed_dataset

API = "/api/v1/users"


async def test_admin_creates_changes_deactivates_and_deletes_a_user(any_settings: Settings) -> None:
    await migrate(any_settings)
    async with client_as(any_settings) as admin:
        body = {"email": "new@test.local", "role": "editor", "password": "a long password"}
        created = await admin.post(API, json=body)
        assert created.status_code == 201, created.text
        user = created.json()
        assert (user["email"], user["role"], user["is_active"]) == ("new@test.local", "editor", True)
        assert "password" not in created.text
        duplicate = await admin.post(API, json=body | {"email": "NEW@test.local"})
        assert duplicate.status_code == 409

        listed = (await admin.get(API)).json()
        assert listed["total"] == 2
        assert [u["email"] for u in listed["items"]] == [ADMIN_EMAIL, "new@test.local"]

        async with api_client(any_settings) as newcomer:
            await login(newcomer, "new@test.local", "a long password")
            changed = await admin.patch(f"{API}/{user['id']}", json={"role": "viewer"})
            assert changed.json()["role"] == "viewer"
            assert (await newcomer.get("/api/v1/auth/me")).json()["role"] == "viewer"

            assert (await admin.patch(f"{API}/{user['id']}", json={"is_active": False})).status_code == 200
            assert (await newcomer.get("/api/v1/auth/me")).status_code == 401  # the session ended
            refused = await newcomer.post(
                "/api/v1/auth/login", json={"email": "new@test.local", "password": "a long password"}
            )
            assert refused.status_code == 401

        assert (await admin.delete(f"{API}/{user['id']}")).status_code == 204
        assert (await admin.get(f"{API}/{user['id']}")).status_code == 404


async def test_a_non_ascii_address_is_unique_and_logs_in(any_settings: Settings) -> None:
    await migrate(any_settings)
    body = {"email": "Zoë.Örn@test.local", "role": "viewer", "password": "a long password"}
    async with client_as(any_settings) as admin:
        assert (await admin.post(API, json=body)).status_code == 201
        duplicate = await admin.post(API, json=body)
        assert duplicate.status_code == 409, duplicate.text
        assert duplicate.json()["error"] == "conflict"
    async with api_client(any_settings) as client:
        await login(client, body["email"], body["password"])
        assert (await client.get("/api/v1/auth/me")).json()["email"] == body["email"]


async def test_deleting_a_user_keeps_their_datasets(sqlite_settings: Settings) -> None:
    await migrate(sqlite_settings)
    email = await add_user(sqlite_settings, Role.editor)
    dataset = await seed_dataset(sqlite_settings, 2, owner=email)
    async with client_as(sqlite_settings) as admin:
        users = (await admin.get(API)).json()["items"]
        user_id = next(u["id"] for u in users if u["email"] == email)
        assert (await admin.delete(f"{API}/{user_id}")).status_code == 204
        kept = await admin.get(f"/api/v1/datasets/{dataset}")
    assert kept.status_code == 200
    assert kept.json()["owner_id"] is None


async def test_editors_and_viewers_cannot_manage_users(any_settings: Settings) -> None:
    await migrate(any_settings)
    target = str(uuid.uuid4())
    for role in (Role.editor, Role.viewer):
        async with client_as(any_settings, role) as client:
            me = (await client.get("/api/v1/auth/me")).json()["id"]
            responses = [
                await client.get(API),
                await client.get(f"{API}/{me}"),
                await client.post(
                    API, json={"email": "x@test.local", "role": "admin", "password": "12345678"}
                ),
                await client.patch(f"{API}/{me}", json={"role": "admin"}),
                await client.patch(f"{API}/{target}", json={"is_active": False}),
                await client.delete(f"{API}/{target}"),
            ]
            assert [r.status_code for r in responses] == [403] * len(responses), role
            assert (await client.get("/api/v1/auth/me")).json()["role"] == role.value


async def test_the_last_active_admin_is_kept(sqlite_settings: Settings) -> None:
    await migrate(sqlite_settings)
    async with client_as(sqlite_settings) as admin:
        me = (await admin.get("/api/v1/auth/me")).json()["id"]
        assert (await admin.patch(f"{API}/{me}", json={"role": "editor"})).status_code == 409
        assert (await admin.patch(f"{API}/{me}", json={"is_active": False})).status_code == 409
        assert (await admin.delete(f"{API}/{me}")).status_code == 409
        body = {"email": "second@test.local", "role": "admin", "password": "another password"}
        second = (await admin.post(API, json=body)).json()
        # With another admin there, still no admin takes the role from themselves: another admin does.
        mine = await admin.patch(f"{API}/{me}", json={"role": "editor"})
        assert mine.status_code == 409
        assert "another admin" in mine.json()["detail"]
        async with api_client(sqlite_settings) as other:
            await login(other, "second@test.local", "another password")
            assert (await other.patch(f"{API}/{me}", json={"role": "editor"})).status_code == 200
            assert (await admin.get(API)).status_code == 403  # no longer an admin
            assert (await other.patch(f"{API}/{second['id']}", json={"role": "viewer"})).status_code == 409


async def test_bad_user_input_is_a_422(sqlite_settings: Settings) -> None:
    await migrate(sqlite_settings)
    async with client_as(sqlite_settings) as admin:
        short = await admin.post(API, json={"email": "a@b.c", "role": "viewer", "password": "short"})
        no_email = await admin.post(
            API, json={"email": "nobody", "role": "viewer", "password": "long enough"}
        )
        bad_role = await admin.post(API, json={"email": "a@b.c", "role": "owner", "password": "long enough"})
    assert [r.status_code for r in (short, no_email, bad_role)] == [422, 422, 422]
    assert "long enough" not in no_email.text  # inputs are not echoed back


async def test_users_change_their_own_password(any_settings: Settings) -> None:
    await migrate(any_settings)
    email = await add_user(any_settings, Role.viewer)
    path = f"{API}/me/password"
    async with api_client(any_settings) as first, api_client(any_settings) as second:
        await login(first, email, PASSWORD)
        await login(second, email, PASSWORD)
        wrong = await first.post(path, json={"current_password": "nope", "new_password": "a new password"})
        assert wrong.status_code == 401
        changed = await first.post(
            path, json={"current_password": PASSWORD, "new_password": "a new password"}
        )
        assert changed.status_code == 204
        assert (await first.get("/api/v1/auth/me")).status_code == 200  # this session goes on
        assert (await second.get("/api/v1/auth/me")).status_code == 401  # the others end
    async with api_client(any_settings) as client:
        old = await client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
        assert old.status_code == 401
        await login(client, email, "a new password")
        await login(client, ADMIN_EMAIL, ADMIN_PASSWORD)  # other users are untouched
