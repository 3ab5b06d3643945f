"""Roles across the API: viewers write nothing, editors manage neither users nor provider keys; API
tokens act as the role their scope stands for (read: viewer, write: editor, admin: admin).

The routes are taken from the OpenAPI schema, so a write route added later under these prefixes is
checked without anyone remembering to add it here.
"""

from __future__ import annotations

import uuid

import httpx
import pytest

from app.core.config import Settings
from app.models import Role
from tests.clients import bearer_client, new_token
from tests.conftest import migrate
from tests.datasets.factories import client_as, example, seed_dataset

WRITES = {"post", "put", "patch", "delete"}
VIEWER_READ_ONLY = (
    "/api/v1/datasets",
    "/api/v1/prompt-sets",
    "/api/v1/users",
    "/api/v1/providers",
    "/api/v1/domains",
)
ADMIN_ONLY = ("/api/v1/users", "/api/v1/providers")
# Every user manages their own password and API tokens and reads their own quotas, viewers included
# (tests/tokens, tests/users).
SELF_SERVICE = {("post", "/api/v1/users/me/password"), ("get", "/api/v1/users/me/quotas")}


async def routes(
    client: httpx.AsyncClient, prefixes: tuple[str, ...], methods: set[str]
) -> list[tuple[str, str]]:
    schema = (await client.get("/openapi.json")).json()
    return [
        (method, path)
        for path, operations in schema["paths"].items()
        if path.startswith(prefixes)
        for method in operations
        if method in methods and (method, path) not in SELF_SERVICE
    ]


def fill(path: str, values: dict[str, str]) -> str:
    for name, value in values.items():
        path = path.replace(f"{{{name}}}", value)
    return path


async def seeded_values(settings: Settings) -> dict[str, str]:
    """Real resources for every path parameter, owned by the first admin."""
    dataset = await seed_dataset(settings, [example(0)])
    async with client_as(settings) as admin:
        me = (await admin.get("/api/v1/auth/me")).json()["id"]
        body = {"id": "admins_domain", "name": "A", "subdomains": {"a": {"name": "A"}}}
        assert (await admin.post("/api/v1/domains", json=body)).status_code == 201
        assert (
            await admin.put("/api/v1/providers/openai", json={"api_key": "sk-" + "k" * 40})
        ).status_code == 200
        examples = (await admin.get(f"/api/v1/datasets/{dataset}/examples")).json()["items"]
    return {
        "dataset_id": str(dataset),
        "example_id": examples[0]["id"],
        "user_id": me,
        "slug": "admins_domain",
        "name": "openai",
        "token_id": str(uuid.uuid4()),
    }


async def answers(
    client: httpx.AsyncClient, checked: list[tuple[str, str]], values: dict[str, str]
) -> dict[str, int]:
    found = {}
    for method, path in checked:
        response = await client.request(method.upper(), fill(path, values), json={})
        found[f"{method.upper()} {path}"] = response.status_code
    return found


async def test_a_viewer_cannot_write(any_settings: Settings) -> None:
    await migrate(any_settings)
    values = await seeded_values(any_settings)
    async with client_as(any_settings, Role.viewer) as viewer:
        checked = await routes(viewer, VIEWER_READ_ONLY, WRITES)
        statuses = await answers(viewer, checked, values)
        still = await viewer.get(f"/api/v1/datasets/{values['dataset_id']}")
    assert len(checked) >= 19  # 10 dataset and example writes, 3 each for users, providers, domains
    assert statuses == dict.fromkeys(statuses, 403)
    assert still.json()["name"] == "seeded"


async def test_an_editor_cannot_manage_users_or_keys(any_settings: Settings) -> None:
    await migrate(any_settings)
    values = await seeded_values(any_settings)
    async with client_as(any_settings, Role.editor) as editor:
        checked = await routes(editor, ADMIN_ONLY, WRITES | {"get"})
        # Everyone may see which providers exist and their models; the rest is for admins.
        checked = [(m, p) for m, p in checked if not (m == "get" and p.startswith("/api/v1/providers"))]
        statuses = await answers(editor, checked, values)
    assert len(checked) >= 7
    assert statuses == dict.fromkeys(statuses, 403)


# Paths whose resources do not exist: an operation a token may call answers 404 or 422, never 403,
# and changes nothing (no provider is called, no row is touched).
MISSING = {
    "dataset_id": str(uuid.uuid4()),
    "example_id": str(uuid.uuid4()),
    "user_id": str(uuid.uuid4()),
    "slug": "no_such_domain",
    "name": "nosuchprovider",
    "token_id": str(uuid.uuid4()),
}
SCOPED = ("/api/v1/datasets", "/api/v1/users", "/api/v1/domains", "/api/v1/tokens", "/api/v1/providers")


def refused_to(scope: str, method: str, path: str) -> bool:
    """Whether a token of ``scope`` (of an admin, so only the scope limits it) is refused an operation."""
    if scope == "admin" or (method, path) == ("post", "/api/v1/tokens"):
        return False  # minting within the token's own limits: tests/tokens/test_minting.py
    self_service = (method, path) in SELF_SERVICE or path.startswith("/api/v1/tokens")
    if path.startswith(ADMIN_ONLY) and not self_service:
        return True
    return scope == "read" and method in WRITES


@pytest.mark.parametrize("scope", ["read", "write", "admin"])
async def test_a_tokens_scope_decides_each_operation(any_settings: Settings, scope: str) -> None:
    await migrate(any_settings)
    async with client_as(any_settings) as admin:
        secret = await new_token(admin, scope=scope)
        schema = (await admin.get("/openapi.json")).json()
    checked = [
        (method, path)
        for path, operations in schema["paths"].items()
        if path.startswith(SCOPED)
        for method in operations
        # Everyone may read which providers exist; listing models may ask the provider itself.
        if method in WRITES or (method == "get" and not path.startswith("/api/v1/providers"))
    ]
    async with bearer_client(any_settings, secret) as bearer:
        statuses = await answers(bearer, checked, MISSING)
    refused = {op for op, status in statuses.items() if status in (401, 403)}
    expected = {f"{m.upper()} {p}" for m, p in checked if refused_to(scope, m, p)}
    assert len(checked) >= 30
    assert refused == expected
    assert {statuses[op] for op in refused} <= {403}
