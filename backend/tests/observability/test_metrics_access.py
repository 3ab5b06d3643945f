"""Who may read /metrics: METRICS_TOKEN and METRICS_ALLOWED_NETWORKS, on the API and on a worker."""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry, Counter, make_wsgi_app
from pydantic import SecretStr, ValidationError

from app.core.config import Settings
from app.observability.server import guarded_app, serve_metrics
from tests.conftest import api_client, make_settings, migrate
from tests.services import free_port

TOKEN = "a-long-random-metrics-token"


async def scrape_api(settings: Settings, headers: dict[str, str] | None = None) -> tuple[int, str, str]:
    await migrate(settings)
    async with api_client(settings) as client:
        response = await client.get("/metrics", headers=headers or {})
    return response.status_code, response.text, response.headers.get("www-authenticate", "")


async def test_the_api_serves_metrics_to_anyone_when_nothing_is_set(tmp_path: Path) -> None:
    status, body, _ = await scrape_api(make_settings(tmp_path / "data"))
    assert status == 200
    assert "distillery_" in body


async def test_with_a_token_the_api_asks_for_it_and_refuses_a_wrong_one(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data", metrics_token=SecretStr(TOKEN))
    status, body, challenge = await scrape_api(settings)
    assert (status, challenge) == (401, "Bearer")
    assert "METRICS_TOKEN" in body
    assert "distillery_" not in body
    assert (await scrape_api(settings, {"Authorization": f"Bearer {TOKEN}x"}))[0] == 401
    assert (await scrape_api(settings, {"Authorization": f"Basic {TOKEN}"}))[0] == 401
    status, body, _ = await scrape_api(settings, {"Authorization": f"Bearer {TOKEN}"})
    assert status == 200
    assert "distillery_" in body


@pytest.mark.parametrize(("networks", "status"), [("10.0.0.0/8", 403), ("10.0.0.0/8, 127.0.0.0/8", 200)])
async def test_the_api_serves_only_the_allowed_networks(tmp_path: Path, networks: str, status: int) -> None:
    # The ASGI test client connects from 127.0.0.1.
    settings = make_settings(tmp_path / "data", metrics_allowed_networks=networks)
    got, body, _ = await scrape_api(settings)
    assert got == status
    assert ("METRICS_ALLOWED_NETWORKS" in body) == (status == 403)


def scrape_worker(settings: Settings, headers: dict[str, str] | None = None) -> tuple[int, str]:
    registry = CollectorRegistry()
    Counter("distillery_probe_total", "A probe.", registry=registry).inc()
    port = free_port()
    server = serve_metrics(guarded_app(settings, make_wsgi_app(registry)), "127.0.0.1", port)
    try:
        request = urllib.request.Request(f"http://127.0.0.1:{port}/metrics", headers=headers or {})
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (a loopback URL)
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()
    finally:
        server.shutdown()
        server.server_close()


def test_a_worker_applies_the_same_rule(tmp_path: Path) -> None:
    open_settings = make_settings(tmp_path / "data")
    assert scrape_worker(open_settings)[0] == 200
    guarded = make_settings(tmp_path / "data", metrics_token=SecretStr(TOKEN))
    status, body = scrape_worker(guarded)
    assert status == 401
    assert "distillery_probe_total" not in body
    status, body = scrape_worker(guarded, {"Authorization": f"Bearer {TOKEN}"})
    assert status == 200
    assert "distillery_probe_total 1.0" in body
    elsewhere = make_settings(tmp_path / "data", metrics_allowed_networks="192.168.0.0/16")
    assert scrape_worker(elsewhere)[0] == 403


def test_a_network_that_does_not_parse_is_refused_at_start() -> None:
    with pytest.raises(ValidationError, match="METRICS_ALLOWED_NETWORKS"):
        Settings.model_validate({"metrics_allowed_networks": "10.0.0.0/8, not-a-network"})


def test_a_placeholder_metrics_token_is_refused_outside_development(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="METRICS_TOKEN is a placeholder"):
        make_settings(tmp_path / "data", metrics_token=SecretStr("changethis"))
