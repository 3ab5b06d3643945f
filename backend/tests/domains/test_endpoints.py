"""Domains over HTTP: the library's built-in ones plus users' own, validated by the library."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from app.core.config import Settings
from app.core.db import create_engine, create_sessionmaker
from app.domains.service import domains_config
from app.models import Role
from distillation.scenarios import ScenarioSampler, load_domains_config
from tests.conftest import migrate
from tests.datasets.factories import client_as

API = "/api/v1/domains"


def hr_policies(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": "hr_policies",
        "name": "HR Policies",
        "description": "Employees asking HR about company policies.",
        "subdomains": {"leave": {"name": "Leave & Holidays"}, "benefits": {"name": "Benefits", "weight": 2}},
        "parameters": {"seniority": {"values": {"junior": 0.7, "senior": 0.3}}},
    }
    return body | changes


async def test_built_in_domains_come_from_the_library(sqlite_settings: Settings) -> None:
    await migrate(sqlite_settings)
    async with client_as(sqlite_settings, Role.viewer) as viewer:
        listed = (await viewer.get(API)).json()
        detail = (await viewer.get(f"{API}/customer_support")).json()
    library = load_domains_config()
    assert [d["id"] for d in listed] == list(library.domains)
    assert all(d["builtin"] is True for d in listed)
    assert len(listed) == 12
    assert set(detail["subdomains"]) == set(library.domains["customer_support"].subdomains)
    assert set(detail["effective_parameters"]) == set(library.parameters_for("customer_support"))


async def test_an_editor_adds_changes_and_deletes_a_domain(any_settings: Settings) -> None:
    await migrate(any_settings)
    async with client_as(any_settings, Role.editor) as editor:
        created = await editor.post(API, json=hr_policies())
        assert created.status_code == 201, created.text
        assert created.json()["builtin"] is False
        listed = (await editor.get(API)).json()
        assert [d["id"] for d in listed][-1] == "hr_policies"  # after the built-in ones
        replaced = await editor.put(
            f"{API}/hr_policies", json={"name": "HR", "subdomains": {"pay": {"name": "Pay"}}}
        )
        assert replaced.status_code == 200, replaced.text
        assert list(replaced.json()["subdomains"]) == ["pay"]
        assert replaced.json()["parameters"] == {}  # a replacement, not a patch

        engine = create_engine(any_settings, pooled=False)
        async with create_sessionmaker(engine)() as session:
            config = await domains_config(session, any_settings)
        await engine.dispose()
        # The engine can draw scenarios from it.
        scenario = ScenarioSampler(config, seed=1, domains=["hr_policies"]).draw(0).as_dict()
        assert (scenario["domain"], scenario["subdomain"]) == ("hr_policies", "pay")

        assert (await editor.delete(f"{API}/hr_policies")).status_code == 204
        assert (await editor.get(f"{API}/hr_policies")).status_code == 404


async def test_invalid_domains_are_refused_with_the_reason(sqlite_settings: Settings) -> None:
    await migrate(sqlite_settings)
    async with client_as(sqlite_settings, Role.editor) as editor:
        no_subdomains = await editor.post(API, json=hr_policies(subdomains={}))
        zero_weights = await editor.post(API, json=hr_policies(parameters={"x": {"values": {"a": 0}}}))
        reserved = await editor.post(API, json=hr_policies(parameters={"domain": {"values": {"a": 1}}}))
        bad_id = await editor.post(API, json=hr_policies(id="HR Policies"))
        unknown_field = await editor.post(API, json=hr_policies(colour="blue"))
        builtin_id = await editor.post(API, json=hr_policies(id="customer_support"))
        assert (await editor.post(API, json=hr_policies())).status_code == 201
        duplicate = await editor.post(API, json=hr_policies())
    for response in (no_subdomains, zero_weights, reserved, bad_id, unknown_field):
        assert response.status_code == 422, response.text
    assert "all weights are 0" in zero_weights.text
    assert "reserved" in reserved.text
    assert (builtin_id.status_code, duplicate.status_code) == (409, 409)


async def test_built_in_domains_are_read_only(sqlite_settings: Settings) -> None:
    await migrate(sqlite_settings)
    async with client_as(sqlite_settings) as admin:
        replaced = await admin.put(
            f"{API}/customer_support", json={"name": "x", "subdomains": {"a": {"name": "A"}}}
        )
        deleted = await admin.delete(f"{API}/customer_support")
        assert (await admin.get(f"{API}/customer_support")).json()["builtin"] is True
    assert (replaced.status_code, deleted.status_code) == (403, 403)
    assert "read-only" in deleted.json()["detail"]


async def test_who_may_change_a_domain(any_settings: Settings) -> None:
    await migrate(any_settings)
    async with client_as(any_settings, Role.editor) as owner:
        assert (await owner.post(API, json=hr_policies())).status_code == 201
    body = {"name": "Mine now", "subdomains": {"a": {"name": "A"}}}
    async with client_as(any_settings, Role.viewer) as viewer:
        assert (await viewer.get(f"{API}/hr_policies")).status_code == 200
        viewer_writes = [
            await viewer.post(API, json=hr_policies(id="viewer_domain")),
            await viewer.put(f"{API}/hr_policies", json=body),
            await viewer.delete(f"{API}/hr_policies"),
        ]
    assert [w.status_code for w in viewer_writes] == [403, 403, 403]
    async with client_as(any_settings, Role.editor) as other_editor:
        assert (await other_editor.put(f"{API}/hr_policies", json=body)).status_code == 403
        assert (await other_editor.delete(f"{API}/hr_policies")).status_code == 403
    async with client_as(any_settings) as admin:
        assert (await admin.put(f"{API}/hr_policies", json=body)).json()["name"] == "Mine now"


async def test_the_operators_domains_file_counts_as_built_in(
    sqlite_settings: Settings, tmp_path: Path
) -> None:
    config_dir = tmp_path / "config"
    config_dir.mkdir()
    (config_dir / "domains.yaml").write_text(
        "domains:\n  creative_writing: null\n  onboarding:\n    name: Onboarding\n"
        "    subdomains:\n      first_week: {name: First week}\n"
    )
    settings = sqlite_settings.model_copy(update={"config_dir": config_dir})
    await migrate(settings)
    async with client_as(settings, Role.editor) as editor:
        listed = {d["id"]: d for d in (await editor.get(API)).json()}
        taken = await editor.post(API, json=hr_policies(id="onboarding"))
    assert "creative_writing" not in listed
    assert listed["onboarding"]["builtin"] is True
    assert taken.status_code == 409
