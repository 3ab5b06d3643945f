"""A provider key stored through the API never appears in a response, a log line, /metrics or a file."""

from __future__ import annotations

import asyncio
import logging
import uuid
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from app.core.config import Settings
from app.models import Role
from distillation.testing import Behavior, FakeProviderServer
from tests.clients import bearer_client, new_token
from tests.conftest import migrate
from tests.datasets.factories import client_as, example, seed_dataset

STORED_KEY = "sk-proj-StoredThroughTheApi-0123456789abcdef-9Z9Z"
SERVER_KEY = "lab-key-StoredThroughTheApi-0123456789abcdef-8Y8Y"
ENV_KEY = "AIzaEnvironmentGoogleKey-0123456789abcdef-7X7X"
SECRETS = (STORED_KEY, SERVER_KEY, ENV_KEY, STORED_KEY[:-4], SERVER_KEY[8:30])


def leaks(text: str) -> list[str]:
    return [secret for secret in SECRETS if secret in text]


async def every_get(client: httpx.AsyncClient, values: dict[str, str]) -> dict[str, str]:
    """The body of every GET route of the API, each path parameter filled with a real resource."""
    schema = (await client.get("/openapi.json")).json()
    bodies = {}
    for path, operations in schema["paths"].items():
        if "get" not in operations:
            continue
        for name in values["name_values"].split(",") if "{name}" in path else [""]:
            url = path.replace("{name}", name)
            for param, value in values.items():
                url = url.replace(f"{{{param}}}", value)
            url = url.replace("{job_id}", str(uuid.uuid4())).replace("{task_id}", str(uuid.uuid4()))
            try:
                response = await asyncio.wait_for(client.get(url), timeout=20)
            except TimeoutError:  # a stream that keeps going: what it sent so far is not collected
                continue
            bodies[url] = response.text
    return bodies


async def test_a_stored_key_never_comes_back(
    any_settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    settings = any_settings.model_copy(
        update={"allow_private_provider_urls": True, "google_api_key": SecretStr(ENV_KEY)}
    )
    await migrate(settings)
    caplog.set_level(logging.DEBUG)
    dataset = await seed_dataset(settings, [example(0)])
    async with FakeProviderServer(default=Behavior(status=401)) as server, client_as(settings) as admin:
        saved = [
            await admin.put(
                "/api/v1/providers/openai", json={"api_key": STORED_KEY, "base_url": server.openai_base_url}
            ),
            await admin.put(
                "/api/v1/providers/lab", json={"api_key": SERVER_KEY, "base_url": server.openai_base_url}
            ),
            await admin.post("/api/v1/providers/openai/test", json={"model": "gpt-4o-mini"}),
            await admin.post("/api/v1/providers/lab/test", json={"model": "m"}),
            await admin.post("/api/v1/providers/lab/test", json={}),
            await admin.post("/api/v1/providers/google/test", json={"model": "gemini-2.5-flash"}),
            await admin.put(
                "/api/v1/providers/openai", json={"api_key": STORED_KEY, "base_url": "http://[fe80::1]/"}
            ),
            await admin.put("/api/v1/providers/groq", json={"api_key": STORED_KEY, "provider": "anthropic"}),
        ]
        await admin.post(
            "/api/v1/domains", json={"id": "d1", "name": "D", "subdomains": {"a": {"name": "A"}}}
        )
        token = await new_token(admin)
        me = (await admin.get("/api/v1/auth/me")).json()["id"]
        examples = (await admin.get(f"/api/v1/datasets/{dataset}/examples")).json()["items"]
        values = {
            "name_values": "openai,lab,google,local,anthropic",
            "dataset_id": str(dataset),
            "example_id": examples[0]["id"],
            "user_id": me,
            "slug": "d1",
        }
        bodies = await every_get(admin, values)
        async with bearer_client(settings, token) as bearer:
            bodies |= {f"token {k}": v for k, v in (await every_get(bearer, values)).items()}
        async with client_as(settings, Role.viewer) as viewer:
            bodies |= {f"viewer {k}": v for k, v in (await every_get(viewer, values)).items()}
        metrics = (await admin.get("/metrics")).text
        sent = server.requests

    assert [r.status_code for r in saved] == [200, 200, 200, 200, 200, 200, 422, 422]
    assert saved[2].json()["ok"] is False  # the provider refused: an error message went back
    assert len(bodies) >= 60
    assert {url: leaks(body) for url, body in bodies.items() if leaks(body)} == {}
    assert leaks(" ".join(r.text for r in saved)) == []
    assert leaks(metrics) == []
    assert "distillery_http_requests_total" in metrics
    assert len(caplog.records) > 10  # the capture works: requests to the fake provider are logged
    assert leaks(caplog.text) == []
    assert any(STORED_KEY in str(r.headers) for r in sent)  # the key was in use all along
    if settings.is_sqlite:
        assert files_containing(settings.data_dir) == []


def files_containing(folder: Path) -> list[str]:
    """Files (database, WAL, broker, exports...) that hold a key in clear."""
    needles = [s.encode() for s in SECRETS]
    return [str(p) for p in folder.rglob("*") if p.is_file() and any(n in p.read_bytes() for n in needles)]
