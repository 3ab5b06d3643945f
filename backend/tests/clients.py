"""Clients that call the API with an API token instead of a session cookie, and users to own things."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

from app.core.config import Settings
from app.models import Role
from tests.conftest import api_client, login
from tests.datasets.factories import PASSWORD, add_user


async def new_token(client: httpx.AsyncClient, name: str = "ci", /, **fields: object) -> str:
    """Create an API token through ``client`` (logged in) and return its secret."""
    response = await client.post("/api/v1/tokens", json={"name": name, **fields})
    assert response.status_code == 201, response.text
    secret: str = response.json()["token"]
    return secret


async def token_of(settings: Settings, role: Role, **fields: str | int) -> tuple[str, str]:
    """A new user of ``role`` and one API token of theirs (``fields`` as in its creation): (e-mail, token)."""
    email = await add_user(settings, role)
    async with api_client(settings) as client:
        await login(client, email, PASSWORD)
        return email, await new_token(client, **fields)


@asynccontextmanager
async def bearer_client(settings: Settings, token: str) -> AsyncIterator[httpx.AsyncClient]:
    """The API with ``Authorization: Bearer <token>`` on every request and no cookie."""
    async with api_client(settings) as client:
        client.headers["Authorization"] = f"Bearer {token}"
        yield client
