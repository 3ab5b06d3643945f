"""config/prometheus: promtool accepts the configuration and the rules, and every alert fires in a test."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from tests.observability.promtool import promtool

ROOT = Path(__file__).resolve().parents[3]
PROMETHEUS = ROOT / "config" / "prometheus"
RULE_TESTS = PROMETHEUS / "tests" / "alerts_test.yml"


def load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(path.read_text())
    return data


def test_promtool_accepts_the_scrape_configuration() -> None:
    checked = promtool("check", "config", "prometheus.yml", cwd=PROMETHEUS)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "SUCCESS: 1 rule files found" in checked.stdout


def test_promtool_accepts_the_alert_rules() -> None:
    checked = promtool("check", "rules", "alerts.yml", cwd=PROMETHEUS)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_every_alert_fires_in_the_rule_unit_tests() -> None:
    checked = promtool("test", "rules", str(RULE_TESTS))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    alerts = {rule["alert"] for group in load(PROMETHEUS / "alerts.yml")["groups"] for rule in group["rules"]}
    firing = {
        case["alertname"]
        for test in load(RULE_TESTS)["tests"]
        for case in test.get("alert_rule_test", [])
        if case.get("exp_alerts")
    }
    assert alerts - firing == set(), "alerts without a test that shows them firing"
    required = {
        "DistilleryBudgetNearlySpent",
        "DistilleryProviderErrorRate",
        "DistilleryJobsStalled",
        "DistilleryWorkerDown",
    }
    assert required <= alerts


def test_prometheus_scrapes_the_api_and_every_worker() -> None:
    jobs = {job["job_name"]: job for job in load(PROMETHEUS / "prometheus.yml")["scrape_configs"]}
    assert jobs["distillery-api"]["static_configs"][0]["targets"] == ["api:8000"]
    workers = jobs["distillery-worker"]["dns_sd_configs"][0]
    assert set(workers["names"]) == {"worker", "worker-gpu"}
    assert workers["port"] == 9464
