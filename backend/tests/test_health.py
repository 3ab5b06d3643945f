"""Health answers 200 when the database and broker answer, 503 with the reason when one is down."""

from __future__ import annotations

from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from app.core.config import Settings
from tests.conftest import api_client, make_settings, migrate
from tests.services import free_port


async def test_health_ok(any_settings: Settings) -> None:
    await migrate(any_settings)
    async with api_client(any_settings) as client:
        response = await client.get("/api/v1/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["status"] == body["broker"]["status"] == "ok"


async def test_health_503_when_the_database_is_down(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, database_url=f"postgresql://postgres@127.0.0.1:{free_port()}/none")
    async with api_client(settings) as client:
        response = await client.get("/api/v1/health")
    assert response.status_code == 503
    body = response.json()
    assert body["database"]["status"] == "down"
    assert body["database"]["detail"]
    assert "postgres@" not in body["database"]["detail"]


async def test_health_503_when_the_broker_is_down(sqlite_settings: Settings) -> None:
    await migrate(sqlite_settings)
    settings = sqlite_settings.model_copy(update={"redis_url": f"redis://127.0.0.1:{free_port()}/0"})
    async with api_client(settings) as client:
        response = await client.get("/api/v1/health")
    assert response.status_code == 503
    body = response.json()
    assert body["database"]["status"] == "ok"
    assert body["broker"]["status"] == "down"
    assert body["broker"]["detail"]


async def test_metrics_are_prometheus_text_with_route_templates(sqlite_settings: Settings) -> None:
    await migrate(sqlite_settings)
    async with api_client(sqlite_settings) as client:
        await client.get("/api/v1/tasks/00000000-0000-0000-0000-000000000000")
        response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    families = {f.name: f for f in text_string_to_metric_families(response.text)}
    routes = {s.labels["route"] for s in families["distillery_http_requests"].samples}
    assert "/api/v1/tasks/{task_id}" in routes
    assert not any("00000000" in route for route in routes)


async def test_docs_and_openapi_are_served(sqlite_settings: Settings) -> None:
    await migrate(sqlite_settings)
    async with api_client(sqlite_settings) as client:
        docs = await client.get("/docs")
        schema = await client.get("/openapi.json")
    assert docs.status_code == 200
    assert "swagger" in docs.text.lower()
    assert "/api/v1/health" in schema.json()["paths"]
