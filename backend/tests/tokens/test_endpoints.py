"""API tokens over HTTP: shown once, stored hashed, private to their user, refused once revoked or expired."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from sqlalchemy import select, update

from app.core.config import Settings
from app.core.db import create_engine, create_sessionmaker
from app.models import ApiToken, Role
from app.models.base import utcnow
from tests.clients import bearer_client, new_token, token_of
from tests.conftest import api_client, migrate
from tests.datasets.factories import client_as, seed_dataset

API = "/api/v1/tokens"


async def stored_tokens(settings: Settings) -> list[ApiToken]:
    engine = create_engine(settings, pooled=False)
    async with create_sessionmaker(engine)() as session:
        rows = list(await session.scalars(select(ApiToken)))
    await engine.dispose()
    return rows


async def test_create_use_list_and_revoke(any_settings: Settings) -> None:
    await migrate(any_settings)
    async with client_as(any_settings, Role.editor) as client:
        created = await client.post(API, json={"name": "ci", "expires_in_days": 30})
        assert created.status_code == 201, created.text
        secret = created.json()["token"]
        assert secret.startswith("dst_")
        assert len(secret) > 40
        assert secret.startswith(created.json()["prefix"])
        me = (await client.get("/api/v1/auth/me")).json()

        async with bearer_client(any_settings, secret) as bearer:
            as_token = await bearer.get("/api/v1/auth/me")
            assert as_token.status_code == 200
            assert (as_token.json()["id"], as_token.json()["role"]) == (me["id"], "editor")

            listed = (await client.get(API)).json()
            assert [t["name"] for t in listed] == ["ci"]
            assert "token" not in listed[0]  # the secret is shown at creation only
            assert listed[0]["last_used_at"] is not None
            assert listed[0]["expires_at"] is not None

            assert (await client.delete(f"{API}/{listed[0]['id']}")).status_code == 204
            refused = await bearer.get("/api/v1/auth/me")
        assert refused.status_code == 401
        assert refused.json() == {"error": "unauthorized", "detail": "invalid, expired or revoked API token"}
        assert (await client.get(API)).json()[0]["revoked_at"] is not None


async def test_only_a_hash_of_the_secret_is_stored(sqlite_settings: Settings) -> None:
    await migrate(sqlite_settings)
    async with client_as(sqlite_settings) as client:
        secret = await new_token(client)
    [row] = await stored_tokens(sqlite_settings)
    assert row.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    columns = [str(getattr(row, c.key)) for c in ApiToken.__table__.columns]
    assert not any(secret in value for value in columns)


async def test_an_expired_token_is_refused(sqlite_settings: Settings) -> None:
    await migrate(sqlite_settings)
    _, secret = await token_of(sqlite_settings, Role.viewer)
    async with bearer_client(sqlite_settings, secret) as bearer:
        assert (await bearer.get("/api/v1/datasets")).status_code == 200
        engine = create_engine(sqlite_settings, pooled=False)
        async with create_sessionmaker(engine)() as session:
            await session.execute(update(ApiToken).values(expires_at=utcnow() - timedelta(seconds=1)))
            await session.commit()
        await engine.dispose()
        response = await bearer.get("/api/v1/datasets")
    assert response.status_code == 401


async def test_a_deactivated_users_token_is_refused(sqlite_settings: Settings) -> None:
    await migrate(sqlite_settings)
    email, secret = await token_of(sqlite_settings, Role.editor)
    async with client_as(sqlite_settings) as admin:
        users = (await admin.get("/api/v1/users")).json()["items"]
        user_id = next(u["id"] for u in users if u["email"] == email)
        assert (await admin.patch(f"/api/v1/users/{user_id}", json={"is_active": False})).status_code == 200
    async with bearer_client(sqlite_settings, secret) as bearer:
        assert (await bearer.get("/api/v1/auth/me")).status_code == 401


async def test_a_bad_token_is_refused_even_with_a_valid_cookie(sqlite_settings: Settings) -> None:
    await migrate(sqlite_settings)
    async with client_as(sqlite_settings) as client:
        assert (await client.get("/api/v1/auth/me")).status_code == 200
        for value in ("Bearer dst_not-a-token", "Bearer ", "Bearer x"):
            response = await client.get("/api/v1/auth/me", headers={"Authorization": value})
            assert response.status_code == 401, value


async def test_tokens_are_private_to_their_user(any_settings: Settings) -> None:
    await migrate(any_settings)
    _, first = await token_of(any_settings, Role.editor)
    _, second = await token_of(any_settings, Role.admin)
    async with bearer_client(any_settings, first) as owner, bearer_client(any_settings, second) as other:
        [own] = (await owner.get(API)).json()
        seen_by_other = (await other.get(API)).json()
        assert own["id"] not in [t["id"] for t in seen_by_other]  # not even an admin sees them
        denied = await other.delete(f"{API}/{own['id']}")
        assert denied.status_code == 404
        assert (await owner.get("/api/v1/auth/me")).status_code == 200  # still usable


async def test_a_token_acts_with_its_users_role(any_settings: Settings) -> None:
    """Viewers read every dataset; editors change only their own; tokens and keys stay private."""
    await migrate(any_settings)
    editor, editor_token = await token_of(any_settings, Role.editor)
    _, viewer_token = await token_of(any_settings, Role.viewer)
    _, other_editor_token = await token_of(any_settings, Role.editor)
    dataset = await seed_dataset(any_settings, 1, owner=editor)
    path = f"/api/v1/datasets/{dataset}"
    async with bearer_client(any_settings, viewer_token) as viewer:
        assert (await viewer.get(path)).status_code == 200
        assert (await viewer.patch(path, json={"name": "x"})).status_code == 403
        assert (
            await viewer.post("/api/v1/datasets", json={"name": "x", "data_type": "qa"})
        ).status_code == 403
    async with bearer_client(any_settings, other_editor_token) as other:
        assert (await other.get(path)).status_code == 200
        assert (await other.patch(path, json={"name": "x"})).status_code == 403
    async with bearer_client(any_settings, editor_token) as owner:
        assert (await owner.patch(path, json={"name": "renamed"})).status_code == 200
        assert (await owner.get("/api/v1/users")).status_code == 403


async def test_token_requests_record_their_last_use(sqlite_settings: Settings) -> None:
    await migrate(sqlite_settings)
    _, secret = await token_of(sqlite_settings, Role.viewer)
    [before] = await stored_tokens(sqlite_settings)
    assert before.last_used_at is None
    async with bearer_client(sqlite_settings, secret) as bearer:
        await bearer.get("/api/v1/auth/me")
    [after] = await stored_tokens(sqlite_settings)
    assert after.last_used_at is not None
    assert after.last_used_at >= before.created_at


async def test_tokens_need_a_login(sqlite_settings: Settings) -> None:
    await migrate(sqlite_settings)
    async with api_client(sqlite_settings) as client:
        assert (await client.get(API)).status_code == 401
        assert (await client.post(API, json={"name": "x"})).status_code == 401
    async with client_as(sqlite_settings) as client:
        assert (await client.post(API, json={"name": "a\x00b"})).status_code == 422
        assert (await client.post(API, json={"name": "ci", "expires_in_days": 0})).status_code == 422
    assert await stored_tokens(sqlite_settings) == []
