"""Task specs through the API: versions, a YAML file's bad line, read-only built-ins, viewers, deletion."""

from __future__ import annotations

from typing import Any

from app.core.config import Settings
from app.models import Role
from distillation.testing import FakeProviderServer, ok
from tests.conftest import api_client, login, migrate
from tests.datasets.factories import client_as
from tests.jobs.jobkit import TEACHER, job_settings

API = "/api/v1/task-specs"
SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["ticket", "triage"],
    "additionalProperties": False,
    "properties": {
        "ticket": {"type": "string"},
        "triage": {
            "type": "object",
            "required": ["priority", "tags"],
            "properties": {
                "priority": {"enum": ["low", "normal", "urgent"]},
                "tags": {"type": "array", "items": {"type": "string"}},
            },
        },
    },
}


def triage(**fields: Any) -> dict[str, Any]:
    return {
        "name": "ticket-triage",
        "instruction": "Triage the customer's support ticket.",
        "input_fields": ["ticket"],
        "output_schema": SCHEMA,
        "policy": "Urgent only when the customer cannot use the product at all.",
        "rubric": [{"name": "priority_fits", "description": "The priority matches the harm."}],
        "validators": [{"type": "length", "field": "triage.tags", "min": 1, "max": 5}],
    } | fields


BAD_YAML = """\
name: ticket-triage
instruction: Triage the ticket.
output_schema:
  type: object
rubric:
  - name: priority_fits
"""


async def test_a_spec_is_stored_versioned_and_every_version_stays_readable(any_settings: Settings) -> None:
    await migrate(any_settings)
    async with api_client(any_settings) as client:
        await login(client)
        created = await client.post(API, json={"spec": triage(version="77")})
        assert created.status_code == 201, created.text
        spec_id = created.json()["id"]
        edit = {"spec": triage(policy="Never promise a refund.")}
        changed = await client.put(f"{API}/{spec_id}", json=edit)
        newest = await client.get(f"{API}/{spec_id}")
        first = await client.get(f"{API}/{spec_id}", params={"version": 1})
        missing_version = await client.get(f"{API}/{spec_id}", params={"version": 9})
        history = await client.get(f"{API}/{spec_id}/versions")
        listed = await client.get(API)
        builtin = await client.get(f"{API}/builtin/qa")
        unknown_builtin = await client.get(f"{API}/builtin/nothing")
        clash = await client.post(API, json={"spec": triage(name="qa")})
        taken = await client.post(API, json={"spec": triage()})
        invalid = await client.post(
            API, json={"spec": triage(output_schema={"type": "object", "$ref": "https://x.test/s.json"})}
        )
        sandbox = await client.post(
            f"{API}/validate", json={"spec": triage(templates={"seed": "{{ ''.__class__.__mro__ }}"})}
        )
        fine = await client.post(f"{API}/validate", json={"spec": triage()})

    assert changed.status_code == 200, changed.text
    assert (created.json()["version"], changed.json()["version"]) == (1, 2)
    # The stored spec's own version is the saved version, so rows record it.
    assert created.json()["spec"]["version"] == "1"
    assert newest.json()["spec"]["policy"] == "Never promise a refund."
    assert (newest.json()["version"], newest.json()["latest_version"]) == (2, 2)
    assert first.json()["spec"]["policy"].startswith("Urgent only")
    assert (first.json()["version"], first.json()["latest_version"]) == (1, 2)
    assert missing_version.status_code == 404
    assert [v["version"] for v in history.json()] == [2, 1]
    assert history.json()[0]["policy"] == "Never promise a refund."
    rows = listed.json()
    assert {row["name"] for row in rows if row["builtin"]} >= {"qa", "classification", "generation"}
    assert all(row["id"] is None for row in rows if row["builtin"])
    stored = [row for row in rows if not row["builtin"]]
    assert [(row["id"], row["name"], row["version"]) for row in stored] == [(spec_id, "ticket-triage", 2)]
    assert (builtin.json()["builtin"], builtin.json()["spec"]["name"]) == (True, "qa")
    assert unknown_builtin.status_code == 404
    assert clash.status_code == 409
    assert "built-in" in clash.json()["detail"]
    assert taken.status_code == 409
    assert invalid.status_code == 422
    assert any("output_schema" in problem and "$ref" in problem for problem in invalid.json()["detail"])
    assert sandbox.status_code == 200
    assert sandbox.json()["valid"] is False
    assert "sandbox" in sandbox.json()["problems"][0]
    assert (fine.json()["valid"], fine.json()["problems"]) == (True, [])


async def test_a_yaml_file_is_stored_or_refused_naming_its_line(sqlite_settings: Settings) -> None:
    await migrate(sqlite_settings)
    good = "name: sentiment\ninstruction: Tell the sentiment.\noutput_schema:\n  type: object\n"
    async with api_client(sqlite_settings) as client:
        await login(client)
        refused = await client.post(f"{API}/upload", files={"file": ("triage.yaml", BAD_YAML.encode())})
        broken = await client.post(f"{API}/upload", files={"file": ("x.yaml", b"name: [unclosed\n")})
        stored = await client.post(f"{API}/upload", files={"file": ("sentiment.yaml", good.encode())})

    assert refused.status_code == 422
    assert refused.json()["detail"] == ["triage.yaml: line 6: rubric.0.description: Field required"]
    assert broken.status_code == 422
    assert "x.yaml, line 2" in broken.json()["detail"][0]
    assert stored.status_code == 201, stored.text
    assert (stored.json()["spec"]["name"], stored.json()["version"]) == ("sentiment", 1)


async def test_a_viewer_reads_specs_but_cannot_write_them(sqlite_settings: Settings) -> None:
    await migrate(sqlite_settings)
    async with client_as(sqlite_settings) as admin:
        spec_id = (await admin.post(API, json={"spec": triage()})).json()["id"]
    async with client_as(sqlite_settings, Role.viewer) as viewer:
        read = await viewer.get(f"{API}/{spec_id}")
        created = await viewer.post(API, json={"spec": triage(name="other")})
        uploaded = await viewer.post(f"{API}/upload", files={"file": ("s.yaml", b"name: s\n")})
        changed = await viewer.put(f"{API}/{spec_id}", json={"spec": triage()})
        deleted = await viewer.delete(f"{API}/{spec_id}")

    assert read.status_code == 200
    assert [r.status_code for r in (created, uploaded, changed, deleted)] == [403] * 4


async def test_a_spec_is_not_deleted_while_a_job_uses_it(any_settings: Settings) -> None:
    with FakeProviderServer(lambda request: ok(text="unused")) as server:
        settings = job_settings(any_settings, server)
        await migrate(settings)
        async with api_client(settings) as client:
            await login(client)
            spec = triage(name="free-text", datatype="generation", output_schema={}, input_fields=[])
            spec_id = (await client.post(API, json={"spec": spec})).json()["id"]
            await client.put(f"{API}/{spec_id}", json={"spec": spec | {"policy": "Be brief."}})
            prompts = await client.post(
                "/api/v1/prompt-sets",
                files={"file": ("p.csv", b"prompt\nWhat is two plus two?\n")},
                data={"name": "p"},
            )
            body = {
                "prompt_set_id": prompts.json()["prompt_set"]["id"],
                "name": "answers",
                "teacher": TEACHER,
                "task_spec_id": spec_id,
                "task_spec_version": 1,
            }
            # No worker runs: the job waits, pending, and holds on to the spec.
            job = (await client.post("/api/v1/jobs/relabel", json=body)).json()
            refused = await client.delete(f"{API}/{spec_id}")
            missing = await client.post("/api/v1/jobs/relabel", json=body | {"task_spec_version": 5})
            config = (await client.get(f"/api/v1/jobs/{job['id']}")).json()["config"]
            await client.post(f"/api/v1/jobs/{job['id']}/cancel")
            deleted = await client.delete(f"{API}/{spec_id}")
            gone = await client.get(f"{API}/{spec_id}")

    assert refused.status_code == 409, refused.text
    assert "unfinished job" in refused.json()["detail"]
    assert missing.status_code == 404
    assert (config["task_spec_id"], config["task_spec_version"]) == (spec_id, 1)
    assert config["task"]["policy"].startswith("Urgent only")  # version 1's policy, not "Be brief."
    assert deleted.status_code == 204
    assert gone.status_code == 404


async def test_a_generation_job_records_the_spec_version_it_runs(sqlite_settings: Settings) -> None:
    with FakeProviderServer(lambda request: ok(text="unused")) as server:
        settings = job_settings(sqlite_settings, server)
        await migrate(settings)
        async with api_client(settings) as client:
            await login(client)
            spec_id = (await client.post(API, json={"spec": triage()})).json()["id"]
            await client.put(f"{API}/{spec_id}", json={"spec": triage(policy="Never promise a refund.")})
            body = {
                "name": "triage rows",
                "data_type": "ticket-triage",
                "count": 4,
                "domains": ["Customer Support"],
                "teacher": TEACHER,
                "student": TEACHER,
                "task_spec_id": spec_id,
            }
            # No worker runs: the job is planned and waits, its config holding the spec it will run.
            newest = await client.post("/api/v1/jobs/generate", json=body)
            first = await client.post("/api/v1/jobs/generate", json=body | {"task_spec_version": 1})
            unknown = await client.post(
                "/api/v1/jobs/generate", json=body | {"task_spec_id": "00000000-0000-0000-0000-000000000000"}
            )

    assert newest.status_code == 201, newest.text
    config = newest.json()["config"]
    assert (config["task_spec_id"], config["task_spec_version"]) == (spec_id, 2)
    assert config["data_type"] == "ticket-triage"
    assert config["task"]["policy"] == "Never promise a refund."
    assert config["task"]["output_schema"] == SCHEMA
    assert first.json()["config"]["task"]["policy"].startswith("Urgent only")
    assert unknown.status_code == 404
