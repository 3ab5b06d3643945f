"""Login with the first admin, the session cookie, roles, and errors in one JSON shape."""

from __future__ import annotations

from app.auth.security import hash_password
from app.core.config import Settings
from app.core.db import create_engine, create_sessionmaker
from app.models import Role, User
from tests.conftest import ADMIN_EMAIL, api_client, login, migrate


async def add_user(settings: Settings, email: str, password: str, role: Role) -> None:
    engine = create_engine(settings, pooled=False)
    async with create_sessionmaker(engine)() as session:
        session.add(User(email=email, password_hash=hash_password(password), role=role))
        await session.commit()
    await engine.dispose()


async def test_login_me_logout(any_settings: Settings) -> None:
    await migrate(any_settings)
    async with api_client(any_settings) as client:
        wrong = await client.post("/api/v1/auth/login", json={"email": ADMIN_EMAIL, "password": "nope"})
        assert wrong.status_code == 401
        assert wrong.json() == {"error": "unauthorized", "detail": "wrong e-mail or password"}

        await login(client)
        me = await client.get("/api/v1/auth/me")
        assert me.status_code == 200
        assert me.json()["role"] == "admin"
        assert "password_hash" not in me.json()

        assert (await client.post("/api/v1/auth/logout")).status_code == 204
        client.cookies.clear()
        assert (await client.get("/api/v1/auth/me")).status_code == 401


async def test_session_cookie_is_http_only(sqlite_settings: Settings) -> None:
    await migrate(sqlite_settings)
    async with api_client(sqlite_settings) as client:
        response = await client.post(
            "/api/v1/auth/login", json={"email": ADMIN_EMAIL, "password": "correct horse battery staple"}
        )
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=lax" in cookie


async def test_endpoints_need_a_login(sqlite_settings: Settings) -> None:
    await migrate(sqlite_settings)
    async with api_client(sqlite_settings) as client:
        for path in ("/api/v1/system/status", "/api/v1/tasks"):
            response = await client.get(path)
            assert response.status_code == 401, path
            assert response.json()["error"] == "unauthorized"


async def test_a_viewer_cannot_start_tasks(sqlite_settings: Settings) -> None:
    await migrate(sqlite_settings)
    await add_user(sqlite_settings, "viewer@test.local", "viewer-password", Role.viewer)
    async with api_client(sqlite_settings) as client:
        await login(client, "viewer@test.local", "viewer-password")
        assert (await client.get("/api/v1/tasks")).status_code == 200
        response = await client.post("/api/v1/system/diagnostics")
    assert response.status_code == 403
    assert response.json()["error"] == "forbidden"


async def test_bad_input_is_a_422_in_the_error_shape(sqlite_settings: Settings) -> None:
    await migrate(sqlite_settings)
    async with api_client(sqlite_settings) as client:
        response = await client.post("/api/v1/auth/login", json={"email": 5})
        not_found = await client.get("/api/v1/nothing-here")
    assert response.status_code == 422
    assert response.json()["error"] == "validation_error"
    assert {"email", "password"} <= {d["loc"][-1] for d in response.json()["detail"]}
    assert not_found.status_code == 404
    assert not_found.json()["error"] == "not_found"
