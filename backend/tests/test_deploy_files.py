"""Compose files follow the Compose specification and name only things that exist and run."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from compose_spec import PyCompose
from compose_spec.models import ComposeSpecification
from typer.main import get_command

from app.cli import cli

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILES = ["docker-compose.yml", "docker-compose.dev.yml"]


def interpolate(text: str) -> str:
    """Compose's variable substitution with no variables set: defaults apply, `$$` is a literal `$`."""
    text = re.sub(r"\$\{(\w+):?-([^}]*)\}", lambda m: m.group(2), text)
    text = re.sub(r"\$\{(\w+):?\?[^}]*\}", "set-by-operator", text)
    return text.replace("$$", "$")


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(interpolate((ROOT / name).read_text()))
    return data


def merged() -> dict[str, Any]:
    """docker-compose.yml with the dev overrides applied the way `docker compose -f a -f b` merges."""
    base, dev = load("docker-compose.yml"), load("docker-compose.dev.yml")
    for name, override in dev["services"].items():
        base["services"][name] = {**base["services"][name], **override}
    return base


@pytest.mark.parametrize("name", COMPOSE_FILES)
def test_compose_file_is_valid_per_the_specification(name: str) -> None:
    data = merged() if name == "docker-compose.dev.yml" else load(name)
    # Two readings of the specification: the Rust compose_spec parser and the schema-generated models.
    compose = PyCompose.from_json(json.dumps(data))  # raises ValueError on anything the spec refuses
    assert set(compose.service_names()) == set(data["services"])
    spec = ComposeSpecification.model_validate(data)
    assert spec.services is not None
    assert set(spec.services) == set(data["services"])


def test_compose_has_the_services_and_profiles_users_expect() -> None:
    services = load("docker-compose.yml")["services"]
    assert {"postgres", "redis", "api", "worker", "beat", "frontend"} <= set(services)
    profiles = {p for s in services.values() for p in s.get("profiles", [])}
    assert {"monitoring", "background-tasks", "production"} <= profiles
    assert "distillery migrate" in " ".join(services["api"]["command"])


def test_every_distillery_command_in_compose_exists() -> None:
    commands = set(get_command(cli).commands)  # type: ignore[attr-defined]
    data = merged()
    for name, service in data["services"].items():
        text = " ".join(service.get("command", [])) if isinstance(service.get("command"), list) else ""
        for sub in re.findall(r"distillery (\w+)", text):
            assert sub in commands, f"service {name} runs `distillery {sub}`, which does not exist"


def test_every_mounted_config_file_exists() -> None:
    for name, service in merged()["services"].items():
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            if source.startswith("./") and "${" not in source:
                assert (ROOT / source).exists(), f"service {name} mounts missing {source}"
    for path in ("backend/Dockerfile", "frontend/Dockerfile", "frontend/nginx.conf"):
        assert (ROOT / path).is_file()


def test_grafana_provisioning_points_at_existing_dashboards() -> None:
    provider = yaml.safe_load((ROOT / "config/grafana/provisioning/dashboards/distillery.yml").read_text())
    assert provider["providers"][0]["options"]["path"] == "/var/lib/grafana/dashboards"
    dashboards = list((ROOT / "config/grafana/dashboards").glob("*.json"))
    assert dashboards
    for path in dashboards:
        assert json.loads(path.read_text())["panels"]


def _mounts(service: dict[str, Any]) -> dict[str, str]:
    """Container path -> checkout path of a service's bind mounts."""
    pairs = (v.split(":")[:2] for v in service.get("volumes", []) if v.startswith("./"))
    return {target: source for source, target in pairs}


def test_monitoring_profile_scrapes_what_the_services_serve() -> None:
    services = load("docker-compose.yml")["services"]
    prometheus = services["prometheus"]
    config_file = next(a.split("=", 1)[1] for a in prometheus["command"] if a.startswith("--config.file="))
    config_dir, name = config_file.rsplit("/", 1)
    assert (ROOT / _mounts(prometheus)[config_dir] / name).is_file()
    scrape = yaml.safe_load((ROOT / _mounts(prometheus)[config_dir] / name).read_text())
    jobs = {job["job_name"]: job for job in scrape["scrape_configs"]}
    workers = jobs["distillery-worker"]["dns_sd_configs"][0]
    for worker in workers["names"]:
        env = services[worker]["environment"]
        assert int(env["WORKER_METRICS_PORT"]) == workers["port"], worker
        assert env["HOST"] == "0.0.0.0", f"{worker} must listen beyond loopback for Prometheus"
        # The metric files live in the container's own tmpfs: fresh at each start, never shared.
        assert env["PROMETHEUS_MULTIPROC_DIR"] in services[worker]["tmpfs"], worker


def test_grafana_mounts_its_provisioning_and_the_dashboards_it_names() -> None:
    grafana = load("docker-compose.yml")["services"]["grafana"]
    mounts = _mounts(grafana)
    provisioning = ROOT / mounts["/etc/grafana/provisioning"]
    provider = yaml.safe_load((provisioning / "dashboards" / "distillery.yml").read_text())
    dashboards = ROOT / mounts[provider["providers"][0]["options"]["path"]]
    expected = {"cost.json", "quality.json", "jobs-and-workers.json"}
    assert {p.name for p in dashboards.glob("*.json")} >= expected
    datasources = yaml.safe_load((provisioning / "datasources" / "prometheus.yml").read_text())
    assert datasources["datasources"][0]["url"] == "http://prometheus:9090"
