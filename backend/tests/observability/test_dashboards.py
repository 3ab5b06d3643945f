"""Grafana dashboards as code: valid, provisioned, and asking only for metrics the services export."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.observability.conftest import LiveScrape
from tests.observability.promql import label_names, metric_names
from tests.observability.promtool import promtool

ROOT = Path(__file__).resolve().parents[3]
GRAFANA = ROOT / "config" / "grafana"
DASHBOARDS = sorted((GRAFANA / "dashboards").glob("*.json"))
# Series Prometheus writes itself for every scrape target, not the services.
PROMETHEUS_SERIES = {"up"}
GRAFANA_VARIABLES = {"$__rate_interval": "5m", "$__range": "1h", "$__interval": "1m", "$dataset": ".*"}
LABEL_VALUES = re.compile(r"^label_values\((?:(?P<metric>[^,]+),\s*)?(?P<label>\w+)\)$")


def load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def queries() -> list[tuple[str, str, str]]:
    """(dashboard file, panel title, PromQL) of every panel target of every dashboard."""
    found = []
    for path in DASHBOARDS:
        for panel in load(path)["panels"]:
            found += [(path.name, panel["title"], target["expr"]) for target in panel.get("targets", [])]
    return found


def variable_queries() -> list[tuple[str, str, str]]:
    """(dashboard file, variable, metric, label) of every ``label_values`` template variable."""
    found = []
    for path in DASHBOARDS:
        for variable in load(path).get("templating", {}).get("list", []):
            query = variable["query"]["query"] if isinstance(variable["query"], dict) else variable["query"]
            match = LABEL_VALUES.match(query)
            assert match, f"{path.name}: variable {variable['name']} is not a label_values() query"
            found.append((path.name, match["metric"] or "", match["label"]))
    return found


def alert_queries() -> list[tuple[str, str, str]]:
    rules = yaml.safe_load((ROOT / "config" / "prometheus" / "alerts.yml").read_text())
    return [("alerts.yml", r["alert"], r["expr"]) for g in rules["groups"] for r in g["rules"]]


def test_the_three_dashboards_are_there_with_unique_ids() -> None:
    dashboards = [load(path) for path in DASHBOARDS]
    titles = {d["title"] for d in dashboards}
    assert {"Distillery — Cost", "Distillery — Quality", "Distillery — Jobs & workers"} <= titles
    uids = [d["uid"] for d in dashboards]
    assert len(uids) == len(set(uids))
    for dashboard in dashboards:
        ids = [panel["id"] for panel in dashboard["panels"]]
        assert len(ids) == len(set(ids)), dashboard["title"]


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda p: p.name)
def test_panels_use_the_provisioned_datasource_and_do_not_overlap(path: Path) -> None:
    provisioned = yaml.safe_load((GRAFANA / "provisioning" / "datasources" / "prometheus.yml").read_text())
    uids = {source["uid"] for source in provisioned["datasources"]}
    cells: set[tuple[int, int]] = set()
    for panel in load(path)["panels"]:
        assert panel["targets"], f"{panel['title']} has no query"
        for ref in [panel["datasource"], *(t["datasource"] for t in panel["targets"])]:
            assert ref["uid"] in uids, f"{panel['title']} names a datasource that is not provisioned"
        grid = panel["gridPos"]
        assert grid["x"] + grid["w"] <= 24, panel["title"]
        mine = {
            (x, y)
            for x in range(grid["x"], grid["x"] + grid["w"])
            for y in range(grid["y"], grid["y"] + grid["h"])
        }
        assert not cells & mine, f"{panel['title']} overlaps another panel"
        cells |= mine


def test_every_query_is_valid_promql() -> None:
    # promtool parses each expression as a recording rule (Grafana's variables given typical values).
    rules = []
    for number, (_, _, expr) in enumerate(queries()):
        for variable, value in GRAFANA_VARIABLES.items():
            expr = expr.replace(variable, value)
        assert "$" not in expr, f"unknown Grafana variable in {expr}"
        rules.append({"record": f"dashboard:query:{number}", "expr": expr})
    checked = promtool(
        "check", "rules", "/dev/stdin", stdin=yaml.safe_dump({"groups": [{"name": "q", "rules": rules}]})
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_queries_name_only_metrics_and_labels_the_services_export(live: LiveScrape) -> None:
    exported = live.exported()
    missing = []
    for source, title, expr in [*queries(), *alert_queries()]:
        names = metric_names(expr)
        assert names, f"{source} / {title}: no metric in {expr}"
        unknown = names - set(exported) - PROMETHEUS_SERIES
        missing += [f"{source} / {title}: {name}" for name in sorted(unknown)]
        labels = set().union(*(exported.get(name, set()) for name in names))
        if names & PROMETHEUS_SERIES:
            labels |= {"job", "instance"}
        stray = label_names(expr) - labels
        missing += [f"{source} / {title}: label {label}" for label in sorted(stray)]
    for source, metric, label in variable_queries():
        if metric not in exported or label not in exported[metric]:
            missing.append(f"{source} variable: {metric} / {label}")
    assert missing == [], "the dashboards and alerts ask for series no service exports"
