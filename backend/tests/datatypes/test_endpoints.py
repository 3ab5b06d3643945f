"""The data-type catalog over HTTP: what the engine registers, with record schemas and formats."""

from __future__ import annotations

import jsonschema

from app.core.config import Settings
from app.models import Role
from distillation.datatypes import get_datatype, list_datatypes
from tests.conftest import api_client, migrate
from tests.datasets.factories import client_as

API = "/api/v1/data-types"


async def test_every_registered_data_type_is_listed(sqlite_settings: Settings) -> None:
    await migrate(sqlite_settings)
    async with client_as(sqlite_settings, Role.viewer) as viewer:
        listed = (await viewer.get(API)).json()
        qa = (await viewer.get(f"{API}/qa")).json()
        missing = await viewer.get(f"{API}/poetry")
    assert [d["name"] for d in listed] == list_datatypes()
    assert {"qa", "classification", "generation", "code", "translation", "ner"} <= set(list_datatypes())
    assert qa["record_schema"] == get_datatype("qa").json_schema()
    assert qa["description"] == get_datatype("qa").description
    assert "chat" in qa["record_formats"]
    assert "instruction" in qa["record_formats"]
    assert {"jsonl", "csv", "openai"} <= set(qa["export_formats"])
    for entry in listed:  # each example is a valid record of its own schema
        jsonschema.validate(entry["example"], entry["record_schema"])
    assert missing.status_code == 404
    assert "unknown data type 'poetry'" in missing.json()["detail"]


async def test_the_catalog_needs_a_login(sqlite_settings: Settings) -> None:
    await migrate(sqlite_settings)
    async with api_client(sqlite_settings) as client:
        assert (await client.get(API)).status_code == 401
        assert (await client.get("/api/v1/domains")).status_code == 401
