"""Uploads: formats detected and converted, bad rows reported by line, size limits, nothing half-stored."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx

from app.core.config import Settings
from distillation.pipeline.types import Provenance, Row
from tests.conftest import make_settings, migrate
from tests.datasets.factories import chat, client_as, jsonl

API = "/api/v1/datasets"
FORM = {"name": "uploaded", "data_type": "qa"}
# Integers past 64 bits (ids, hashes in a row's metadata), which a fast JSON codec would refuse or round.
LONG_INTEGERS = [2**64, -(2**63) - 1, 2**200]


async def post(client: httpx.AsyncClient, name: str, content: bytes, **params: str) -> httpx.Response:
    return await client.post(f"{API}/upload", files={"file": (name, content)}, data=FORM, params=params)


async def test_upload_jsonl_in_any_view(any_settings: Settings) -> None:
    await migrate(any_settings)
    content = jsonl(
        {"messages": chat("hi", "hello"), "metadata": {"src": "a", "ids": LONG_INTEGERS}},
        {"instruction": "Add", "input": "1+1", "output": "2"},
        {"conversations": [{"from": "human", "value": "q"}, {"from": "gpt", "value": "a"}]},
        {"prompt": "p", "completion": "c"},
    )
    async with client_as(any_settings) as client:
        response = await post(client, "data.jsonl", content)
        assert response.status_code == 201, response.text
        body = response.json()
        dataset_id = body["dataset"]["id"]
        examples = (await client.get(f"{API}/{dataset_id}/examples")).json()
        versions = (await client.get(f"{API}/{dataset_id}/versions")).json()
        first = (await client.get(f"{API}/{dataset_id}/examples/{examples['items'][0]['id']}")).json()
    assert (body["file_format"], body["stored"], body["skipped"]) == ("jsonl", 4, 0)
    assert body["dataset"]["example_count"] == 4
    assert [e["messages"][0]["content"] for e in examples["items"]] == ["hi", "Add\n1+1", "q", "p"]
    assert [(v["number"], v["reason"], v["example_count"]) for v in versions["items"]] == [(1, "upload", 4)]
    assert first["record"] == {"metadata": {"src": "a", "ids": LONG_INTEGERS}}  # every digit kept
    assert first["provenance"] == {"source": "upload", "file": "data.jsonl", "line": 1}


async def test_upload_csv_and_json_array(sqlite_settings: Settings) -> None:
    await migrate(sqlite_settings)
    csv_bytes = b'system,user,assistant\r\n,What is 2+2?,4\r\nBe brief,"Hi, there",Hello\r\n'
    array = json.dumps([{"messages": chat("a", "b")}, {"prompt": "c", "completion": "d"}]).encode()
    async with client_as(sqlite_settings) as client:
        from_csv = await post(client, "sheet.csv", csv_bytes)
        from_json = await post(client, "rows.json", array)
    assert from_csv.status_code == 201, from_csv.text
    assert (from_csv.json()["file_format"], from_csv.json()["stored"]) == ("csv", 2)
    assert (from_json.json()["file_format"], from_json.json()["stored"]) == ("json", 2)


async def test_csv_cells_keep_their_line_breaks_and_extra_columns_are_reported(
    sqlite_settings: Settings,
) -> None:
    await migrate(sqlite_settings)
    csv_bytes = b'user,assistant,notes\r\n"line one\r\nline two","a\rb",x\r\n"q","=1+1\nend",y\r\n'
    async with client_as(sqlite_settings) as client:
        response = await post(client, "sheet.csv", csv_bytes)
        assert response.status_code == 201, response.text
        dataset_id = response.json()["dataset"]["id"]
        examples = (await client.get(f"{API}/{dataset_id}/examples")).json()["items"]
    assert [[m["content"] for m in e["messages"]] for e in examples] == [
        ["line one\r\nline two", "a\rb"],
        ["q", "=1+1\nend"],
    ]
    assert response.json()["warnings"] == [{"line": 2, "reason": "ignored key(s) ['notes']"}]


async def test_bad_rows_are_reported_by_line_and_nothing_is_stored(any_settings: Settings) -> None:
    await migrate(any_settings)
    content = jsonl(
        {"messages": chat("ok", "fine")},
        "not json",
        {"messages": [{"role": "robot", "content": "x"}]},
        {"messages": chat("ok again", "fine")},
        '{"a": 1, "a": 2}',
    )
    async with client_as(any_settings) as client:
        response = await post(client, "data.jsonl", content)
        datasets = (await client.get(API)).json()
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "invalid_rows"
    assert [row["line"] for row in body["detail"]] == [2, 3, 5]
    assert "invalid JSON" in body["detail"][0]["reason"]
    assert "duplicate key" in body["detail"][2]["reason"]
    assert datasets["total"] == 0


async def test_skip_stores_the_good_rows_and_reports_the_bad(any_settings: Settings) -> None:
    await migrate(any_settings)
    content = jsonl({"messages": chat("a", "b")}, "[1]", {"messages": chat("c", "d")})
    async with client_as(any_settings) as client:
        response = await post(client, "data.jsonl", content, on_error="skip")
        dataset_id = response.json()["dataset"]["id"]
        examples = (await client.get(f"{API}/{dataset_id}/examples")).json()["items"]
        last = (await client.get(f"{API}/{dataset_id}/examples/{examples[1]['id']}")).json()
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["stored"], body["skipped"]) == (2, 1)
    assert body["skipped_rows"] == [{"line": 2, "reason": "expected a JSON object, got list"}]
    assert [e["item_key"] for e in examples] == ["row-000000000", "row-000000001"]
    assert last["provenance"]["line"] == 3


async def test_only_the_first_100_bad_rows_are_listed(sqlite_settings: Settings) -> None:
    await migrate(sqlite_settings)
    async with client_as(sqlite_settings) as client:
        response = await post(client, "data.jsonl", b"x\n" * 150)
    assert response.status_code == 422
    assert len(response.json()["detail"]) == 100


async def test_unusable_files_are_4xx_with_the_reason(sqlite_settings: Settings) -> None:
    await migrate(sqlite_settings)
    async with client_as(sqlite_settings) as client:
        empty = await post(client, "data.jsonl", b"\n\n")
        bad_header = await post(client, "data.csv", b"user,user\nx,y\n")
        bad_form = await client.post(f"{API}/upload", files={"file": ("a.jsonl", b"{}")}, data={"name": "x"})
    assert (empty.status_code, empty.json()["detail"]) == (400, "the file holds no records")
    assert bad_header.status_code == 400
    assert "header" in bad_header.json()["detail"]
    assert bad_form.status_code == 422


async def test_too_large_uploads_are_413(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data", upload_max_bytes=1000)
    await migrate(settings)
    row = {"messages": chat("x" * 100, "y")}
    async with client_as(settings) as client:
        # Past the file limit but within the request's multipart allowance: the reader stops it.
        by_reader = await post(client, "data.jsonl", jsonl(*[row] * 20))
        # Past the whole request limit: refused from Content-Length before the body is read.
        by_length = await post(client, "data.jsonl", jsonl(*[row] * 20_000))
        datasets = (await client.get(API)).json()
    assert by_reader.status_code == 413
    assert by_reader.json() == {"error": "payload_too_large", "detail": "file is larger than 1000 bytes"}
    assert by_length.status_code == 413
    assert by_length.json()["error"] == "payload_too_large"
    assert datasets["total"] == 0


async def test_streamed_bodies_without_a_length_are_counted(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data", upload_max_bytes=10)
    await migrate(settings)

    async def chunks() -> AsyncIterator[bytes]:
        yield b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.jsonl"\r\n\r\n'
        for _ in range(3000):
            yield b"x" * 1024

    async with client_as(settings) as client:
        response = await client.post(
            f"{API}/upload", content=chunks(), headers={"content-type": "multipart/form-data; boundary=b"}
        )
    assert response.status_code == 413
    assert response.json()["error"] == "payload_too_large"


async def test_rows_from_distillery_generate_keep_stage_score_and_provenance(any_settings: Settings) -> None:
    await migrate(any_settings)
    provenance = Provenance(
        stage="seed",
        model="local:smollm2",
        template_hash="abc",
        scenario={"tone": "calm"},
        judge_scores={"x": 8.0},
    )
    generated = Row(
        key="r1", index=0, stage="seed", record={}, messages=chat("q", "a"), score=8.5, provenance=provenance
    )
    out_of_range = {"messages": chat("q2", "a2"), "metadata": {"score": 42, "provenance": "not a dict"}}
    async with client_as(any_settings) as client:
        response = await post(client, "gen.jsonl", jsonl(generated.to_json(), out_of_range))
        dataset_id = response.json()["dataset"]["id"]
        items = (await client.get(f"{API}/{dataset_id}/examples")).json()["items"]
        first = (await client.get(f"{API}/{dataset_id}/examples/{items[0]['id']}")).json()
        stats = (await client.get(f"{API}/{dataset_id}")).json()["stats"]
    assert [(e["stage"], e["score"]) for e in items] == [("seed", 8.5), ("imported", None)]
    assert first["scores"] == {"x": 8.0}
    assert first["provenance"]["model"] == "local:smollm2"
    assert first["provenance"]["scenario"] == {"tone": "calm"}
    assert (first["provenance"]["source"], first["provenance"]["line"]) == ("upload", 1)
    assert stats["by_stage"] == {"seed": 1, "imported": 1}
    assert [b["count"] for b in stats["score_histogram"]][8] == 1
    assert stats["unscored"] == 1


async def test_an_upload_can_name_its_domain_and_the_list_filters_by_it(sqlite_settings: Settings) -> None:
    await migrate(sqlite_settings)
    form = FORM | {"domain": "customer_support", "subdomain": "billing"}
    async with client_as(sqlite_settings) as client:
        created = await client.post(
            f"{API}/upload", files={"file": ("a.jsonl", jsonl({"messages": chat("q", "a")}))}, data=form
        )
        await post(client, "b.jsonl", jsonl({"messages": chat("q", "a")}))
        found = (await client.get(API, params={"domain": "customer_support"})).json()
    assert created.status_code == 201, created.text
    assert (created.json()["dataset"]["domain"], created.json()["dataset"]["subdomain"]) == (
        "customer_support",
        "billing",
    )
    assert [d["id"] for d in found["items"]] == [created.json()["dataset"]["id"]]


async def test_data_type_records_are_read_through_their_data_type(sqlite_settings: Settings) -> None:
    """The ``{question, answer}`` records ``GET /data-types`` shows for ``qa`` upload as they are."""
    await migrate(sqlite_settings)
    content = jsonl(
        {"question": "What is 2+2?", "answer": "4", "metadata": {"src": "sheet"}},
        {"text": "I love it", "label": "positive"},
        {"question": "Where?", "answer": 7},
        {"question": "Who?", "reply": "me"},
    )
    csv_bytes = b"question,answer\r\nWhat is 3+3?,6\r\n"
    async with client_as(sqlite_settings) as client:
        advertised = (await client.get("/api/v1/data-types")).json()
        response = await post(client, "typed.jsonl", content, on_error="skip")
        dataset_id = response.json()["dataset"]["id"]
        examples = (await client.get(f"{API}/{dataset_id}/examples")).json()["items"]
        from_csv = await post(client, "typed.csv", csv_bytes)
    qa = next(d for d in advertised if d["name"] == "qa")
    assert {"question", "answer"} <= set(qa["record_schema"]["properties"])
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["stored"], body["skipped"]) == (2, 2)
    assert [e["messages"][-1]["content"] for e in examples] == ["4", "positive"]
    assert examples[0]["messages"][0] == {"role": "user", "content": "What is 2+2?"}
    bad_value, unknown_keys = body["skipped_rows"]
    assert bad_value["line"] == 3
    assert bad_value["reason"].startswith("not a valid qa record: answer")
    assert unknown_keys["line"] == 4
    # The reason is a sentence naming the keys, not a Python list.
    assert "(question, reply)" in unknown_keys["reason"]
    assert "[" not in unknown_keys["reason"]
    assert "question + answer" in unknown_keys["reason"]
    assert (from_csv.status_code, from_csv.json()["stored"]) == (201, 1)
