"""Prompt sets through the API: formats, a bad line named, duplicates dropped, the column mapping."""

from __future__ import annotations

import io
import json
from typing import Any

import httpx
import pyarrow as pa
import pyarrow.parquet as pq

from app.core.config import Settings
from app.models import Role
from tests.conftest import api_client, login, migrate
from tests.datasets.factories import client_as

API = "/api/v1/prompt-sets"
CSV = (
    "question,context,answer\n"
    '"What is the capital of France?",geo,Paris\n'
    '"How many legs does a spider have?",bio,Eight\n'
    '"what is  the capital of France?",geo,Paris\n'  # a duplicate of line 2 (case and spaces)
    ",geo,Nothing asked\n"  # line 5: no prompt
    '"Name a prime number.",math,Seven\n'
)


async def _upload(
    client: httpx.AsyncClient, name: str, content: bytes, params: dict[str, str] | None = None, **form: str
) -> httpx.Response:
    return await client.post(
        API, files={"file": (name, content)}, data={"name": "my prompts", **form}, params=params
    )


async def test_a_csv_with_a_bad_line_is_refused_naming_it_or_stored_without_it(
    sqlite_settings: Settings,
) -> None:
    await migrate(sqlite_settings)
    async with api_client(sqlite_settings) as client:
        await login(client)
        refused = await _upload(client, "prompts.csv", CSV.encode())
        stored = await _upload(client, "prompts.csv", CSV.encode(), {"on_error": "skip"})
        assert stored.status_code == 201, stored.text
        set_id = stored.json()["prompt_set"]["id"]
        sample = await client.get(f"{API}/{set_id}/prompts", params={"limit": 2})
        read = await client.get(f"{API}/{set_id}")

    assert refused.status_code == 422
    assert [error["line"] for error in refused.json()["detail"]] == [5]
    body = stored.json()
    assert body["prompt_set"]["prompt_count"] == 3
    assert (body["prompt_set"]["duplicate_count"], body["prompt_set"]["error_count"]) == (1, 1)
    assert body["file"]["duplicates"] == [{"line": 4, "first_line": 2}]
    assert body["file"]["errors"][0]["line"] == 5
    assert "question" in body["file"]["errors"][0]["reason"]
    assert body["file"]["columns"] == ["question", "context", "answer"]
    assert body["file"]["mapping"]["prompt_field"] == "question"
    assert body["file"]["mapping"]["reference_field"] == "answer"
    assert read.status_code == 200
    assert read.json()["file_format"] == "csv"
    prompts = sample.json()
    assert [p["line"] for p in prompts] == [2, 3]
    assert prompts[0]["messages"] == [{"role": "user", "content": "What is the capital of France?"}]
    assert prompts[0]["reference"] == "Paris"
    assert prompts[0]["variables"] == {"context": "geo"}


async def test_jsonl_json_parquet_and_openai_logs_are_read(sqlite_settings: Settings) -> None:
    rows: list[dict[str, Any]] = [{"prompt": "Say hi", "system": "Be brief"}, {"prompt": "Say bye"}]
    logs = [
        {"messages": [{"role": "user", "content": "Hello?"}, {"role": "assistant", "content": "Hi!"}]},
        {"body": {"messages": [{"role": "system", "content": "Terse"}, {"role": "user", "content": "2+2?"}]}},
    ]
    parquet = io.BytesIO()
    pq.write_table(pa.Table.from_pylist(rows), parquet)
    files = {
        "p.jsonl": "\n".join(json.dumps(r) for r in rows).encode(),
        "p.json": json.dumps(rows).encode(),
        "p.parquet": parquet.getvalue(),
        "log.jsonl": "\n".join(json.dumps(r) for r in logs).encode(),
    }
    await migrate(sqlite_settings)
    async with api_client(sqlite_settings) as client:
        await login(client)
        read = {name: await _upload(client, name, content) for name, content in files.items()}

    for name in ("p.jsonl", "p.json", "p.parquet"):
        assert read[name].status_code == 201, read[name].text
        sample = read[name].json()["file"]["sample"]
        assert sample[0]["messages"] == [
            {"role": "system", "content": "Be brief"},
            {"role": "user", "content": "Say hi"},
        ]
        assert read[name].json()["prompt_set"]["prompt_count"] == 2
    assert read["p.parquet"].json()["prompt_set"]["file_format"] == "parquet"
    logged = read["log.jsonl"].json()["file"]["sample"]
    assert logged[0]["messages"] == [{"role": "user", "content": "Hello?"}]
    assert logged[0]["reference"] == "Hi!"
    assert [m["role"] for m in logged[1]["messages"]] == ["system", "user"]


async def test_a_mapping_names_the_columns_and_the_preview_stores_nothing(sqlite_settings: Settings) -> None:
    csv = b"ask,sys,gold,topic\nWhy is the sky blue?,Be a physicist,Rayleigh scattering,physics\n"
    await migrate(sqlite_settings)
    async with api_client(sqlite_settings) as client:
        await login(client)
        detected = await client.post(f"{API}/preview", files={"file": ("p.csv", csv)})
        mapped = await client.post(
            f"{API}/preview",
            files={"file": ("p.csv", csv)},
            data={"prompt_field": "ask", "system_field": "sys", "reference_field": "gold"},
        )
        stored = await _upload(
            client, "p.csv", csv, prompt_field="ask", system_field="sys", reference_field="gold"
        )
        missing = await _upload(client, "p.csv", csv, prompt_field="nope")
        other = await client.get(f"{API}/00000000-0000-0000-0000-000000000000")

    assert detected.status_code == 200
    assert detected.json()["prompts"] == 0
    assert "no prompt field" in detected.json()["errors"][0]["reason"]
    assert mapped.status_code == 200, mapped.text
    prompt = mapped.json()["sample"][0]
    assert prompt["messages"] == [
        {"role": "system", "content": "Be a physicist"},
        {"role": "user", "content": "Why is the sky blue?"},
    ]
    assert (prompt["reference"], prompt["variables"]) == ("Rayleigh scattering", {"topic": "physics"})
    assert mapped.json()["mapping"]["prompt_field"] == "ask"
    assert stored.status_code == 201
    assert stored.json()["prompt_set"]["mapping"]["system_field"] == "sys"
    assert missing.status_code == 422
    assert "nope" in missing.json()["detail"][0]["reason"]
    assert other.status_code == 404


async def test_a_prompt_set_is_its_owners_and_only_they_relabel_it(sqlite_settings: Settings) -> None:
    await migrate(sqlite_settings)
    async with client_as(sqlite_settings) as admin:
        stored = await _upload(admin, "p.csv", b"prompt\nSay hi.\n")
    set_id = stored.json()["prompt_set"]["id"]
    async with client_as(sqlite_settings, Role.editor) as editor:
        read = await editor.get(f"{API}/{set_id}")
        sample = await editor.get(f"{API}/{set_id}/prompts")
        job = await editor.post("/api/v1/jobs/relabel", json={"prompt_set_id": set_id, "name": "theirs"})
    async with client_as(sqlite_settings, Role.viewer) as viewer:
        upload = await _upload(viewer, "p.csv", b"prompt\nSay hi.\n")

    assert (read.status_code, sample.status_code, job.status_code) == (404, 404, 404)
    assert upload.status_code == 403
