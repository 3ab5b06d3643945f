"""Token scopes: a token acts with the lesser of its scope and its user's role, and mints nothing wider."""

from __future__ import annotations

import pytest

from app.core.config import Settings
from app.models import Role
from tests.clients import bearer_client, new_token, token_of
from tests.conftest import migrate
from tests.datasets.factories import add_user, client_as, seed_dataset

API = "/api/v1/tokens"
NEW_DATASET = {"name": "x", "data_type": "qa"}
ACTS_AS = {
    (Role.viewer, "read"): "viewer",
    (Role.editor, "read"): "viewer",
    (Role.editor, "write"): "editor",
    (Role.admin, "read"): "viewer",
    (Role.admin, "write"): "editor",
    (Role.admin, "admin"): "admin",
}
SCOPE_OF_ROLE = {Role.viewer: "read", Role.editor: "write", Role.admin: "admin"}


@pytest.mark.parametrize(("role", "scope"), list(ACTS_AS))
async def test_a_token_acts_with_the_lesser_of_its_scope_and_its_users_role(
    sqlite_settings: Settings, role: Role, scope: str
) -> None:
    await migrate(sqlite_settings)
    _, secret = await token_of(sqlite_settings, role, scope=scope)
    async with bearer_client(sqlite_settings, secret) as bearer:
        me = (await bearer.get("/api/v1/auth/me")).json()
        created = await bearer.post("/api/v1/datasets", json=NEW_DATASET)
        users = await bearer.get("/api/v1/users")
    acts_as = ACTS_AS[(role, scope)]
    assert me["role"] == acts_as
    assert created.status_code == (403 if acts_as == "viewer" else 201)
    assert users.status_code == (200 if acts_as == "admin" else 403)


async def test_the_scope_is_never_written_over_the_users_role(sqlite_settings: Settings) -> None:
    await migrate(sqlite_settings)
    email, secret = await token_of(sqlite_settings, Role.admin, scope="read")
    async with bearer_client(sqlite_settings, secret) as bearer:
        assert (await bearer.get("/api/v1/auth/me")).json()["role"] == "viewer"
    async with client_as(sqlite_settings) as admin:
        users = (await admin.get("/api/v1/users")).json()["items"]
    assert next(u["role"] for u in users if u["email"] == email) == "admin"


async def test_a_read_token_is_refused_a_write_with_its_scope_as_the_reason(any_settings: Settings) -> None:
    await migrate(any_settings)
    _, secret = await token_of(any_settings, Role.editor, scope="read")
    async with bearer_client(any_settings, secret) as bearer:
        refused = await bearer.post("/api/v1/datasets", json=NEW_DATASET)
        listed = await bearer.get("/api/v1/datasets")
    assert refused.status_code == 403
    assert refused.json() == {
        "error": "forbidden",
        "detail": "this API token has scope read; this needs scope write or admin",
    }
    assert listed.status_code == 200


async def test_an_admins_write_token_changes_only_the_admins_own_data(any_settings: Settings) -> None:
    """Admins may change anyone's dataset; with a write token they are editors, so only their own."""
    await migrate(any_settings)
    editor = await add_user(any_settings, Role.editor)
    others = await seed_dataset(any_settings, 1, owner=editor)
    async with client_as(any_settings) as admin:
        write, full = await new_token(admin, scope="write"), await new_token(admin, scope="admin")
    async with bearer_client(any_settings, write) as bearer:
        refused = await bearer.patch(f"/api/v1/datasets/{others}", json={"name": "taken"})
    async with bearer_client(any_settings, full) as bearer:
        allowed = await bearer.patch(f"/api/v1/datasets/{others}", json={"name": "renamed"})
    assert refused.status_code == 403
    assert allowed.status_code == 200


async def test_a_new_token_gets_the_callers_scope_unless_asked_for_less(sqlite_settings: Settings) -> None:
    await migrate(sqlite_settings)
    for role, scope in SCOPE_OF_ROLE.items():
        async with client_as(sqlite_settings, role) as client:
            default = await client.post(API, json={"name": "default"})
            narrower = await client.post(API, json={"name": "narrow", "scope": "read"})
        assert default.json()["scope"] == scope
        assert narrower.json()["scope"] == "read"


@pytest.mark.parametrize(
    ("role", "scope"), [(Role.viewer, "write"), (Role.viewer, "admin"), (Role.editor, "admin")]
)
async def test_a_token_cannot_get_more_scope_than_its_users_role(
    sqlite_settings: Settings, role: Role, scope: str
) -> None:
    await migrate(sqlite_settings)
    async with client_as(sqlite_settings, role) as client:
        refused = await client.post(API, json={"name": "wide", "scope": scope})
        listed = (await client.get(API)).json()
    assert refused.status_code == 403
    most = SCOPE_OF_ROLE[role]
    assert refused.json()["detail"] == f"role {role} can give a token scope {most} at most, not {scope}"
    assert listed == []
