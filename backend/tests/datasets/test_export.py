"""Exports: byte-identical to the library's ``export`` for every format, stable, safe for spreadsheets."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest

from app.core.config import Settings
from distillation.export import export
from tests.conftest import migrate
from tests.datasets.factories import chat, client_as, example, seed_dataset

API = "/api/v1/datasets"
FORMATS = ("jsonl", "json", "csv", "parquet", "openai", "alpaca", "sharegpt")
MULTI_TURN = [*chat("first", "one", system="Be kind"), *chat("second", "two")]
WEIGHTED = [{"role": "user", "content": "w"}, {"role": "assistant", "content": "kept", "weight": 0}]


def rows() -> list[dict[str, Any]]:
    """Examples that exercise metadata, conversions, weights and records the formats must skip."""
    return [
        example(0, messages=chat("=1+1", "-5 is negative", system="@sys"), record={"metadata": {"k": [1]}}),
        example(1, messages=MULTI_TURN),
        example(2, messages=WEIGHTED),
        example(3, messages=[{"role": "user", "content": "no answer"}]),
        example(4, messages=chat("héllo \u2028 ünïcode", 'quote " and, comma\nnewline')),
    ]


def library_bytes(tmp_path: Path, fmt: str, records: list[dict[str, Any]]) -> bytes:
    out = tmp_path / f"library-{fmt}"
    result = export(records, fmt, out)
    return result.paths["all"].read_bytes()


def as_records(seeded: list[dict[str, Any]]) -> list[dict[str, Any]]:
    records = []
    for row in seeded:
        record: dict[str, Any] = {"messages": row["messages"]}
        if row.get("record"):
            record["metadata"] = row["record"]["metadata"]
        records.append(record)
    return records


async def test_every_format_matches_the_library_byte_for_byte(any_settings: Settings, tmp_path: Path) -> None:
    await migrate(any_settings)
    seeded = rows()
    dataset_id = await seed_dataset(any_settings, seeded, name="My data/set ünï")
    async with client_as(any_settings) as client:
        for fmt in FORMATS:
            first = await client.get(f"{API}/{dataset_id}/export", params={"format": fmt})
            second = await client.get(f"{API}/{dataset_id}/export", params={"format": fmt})
            assert first.status_code == 200, (fmt, first.text)
            assert first.content == second.content, fmt
            assert first.content == library_bytes(tmp_path, fmt, as_records(seeded)), fmt
            disposition = first.headers["content-disposition"]
            assert disposition.startswith('attachment; filename="My_data_set_'), disposition
            assert "filename*=UTF-8''My%20data_set%20" in disposition
    assert not any(p.name.startswith("export-") for p in any_settings.data_dir.iterdir())


async def test_csv_is_formula_safe_by_default(sqlite_settings: Settings) -> None:
    await migrate(sqlite_settings)
    dataset_id = await seed_dataset(sqlite_settings, rows()[:1])
    async with client_as(sqlite_settings) as client:
        safe = await client.get(f"{API}/{dataset_id}/export", params={"format": "csv"})
        raw = await client.get(
            f"{API}/{dataset_id}/export", params={"format": "csv", "spreadsheet_safe": False}
        )
    table = list(csv.DictReader(io.StringIO(safe.text)))
    assert safe.headers["content-type"].startswith("text/csv")
    assert (table[0]["system"], table[0]["user"], table[0]["assistant"]) == (
        "'@sys",
        "'=1+1",
        "'-5 is negative",
    )
    assert next(csv.DictReader(io.StringIO(raw.text)))["user"] == "=1+1"


async def test_export_of_an_older_version(any_settings: Settings, tmp_path: Path) -> None:
    await migrate(any_settings)
    dataset_id = await seed_dataset(any_settings, 3)
    async with client_as(any_settings) as client:
        base = f"{API}/{dataset_id}/examples"
        first_id = (await client.get(base)).json()["items"][0]["id"]
        await client.patch(f"{base}/{first_id}", json={"messages": chat("edited", "e")})
        v1 = await client.get(f"{API}/{dataset_id}/export", params={"version": 1})
        v2 = await client.get(f"{API}/{dataset_id}/export")
        missing = await client.get(f"{API}/{dataset_id}/export", params={"version": 3})
        unknown = await client.get(f"{API}/{dataset_id}/export", params={"format": "exe"})
    original = [{"messages": chat(f"question {i}", f"answer {i}")} for i in range(3)]
    assert v1.content == library_bytes(tmp_path, "jsonl", original)
    assert v2.content.splitlines()[0] == b'{"messages":[{"content":"edited","role":"user"},' + (
        b'{"content":"e","role":"assistant"}]}'
    )
    assert missing.status_code == 404
    assert unknown.status_code == 422


@pytest.mark.parametrize("count", [0, 1234])
async def test_export_streams_every_row_in_order(
    sqlite_settings: Settings, tmp_path: Path, count: int
) -> None:
    await migrate(sqlite_settings)
    dataset_id = await seed_dataset(sqlite_settings, count)
    async with client_as(sqlite_settings) as client:
        response = await client.get(f"{API}/{dataset_id}/export", params={"format": "json"})
    records = [{"messages": chat(f"question {i}", f"answer {i}")} for i in range(count)]
    assert response.content == library_bytes(tmp_path, "json", records)


async def test_each_split_downloads_the_rows_the_library_puts_there(
    sqlite_settings: Settings, tmp_path: Path
) -> None:
    await migrate(sqlite_settings)
    dataset_id = await seed_dataset(sqlite_settings, 40, name="qa")
    records = [{"messages": chat(f"question {i}", f"answer {i}")} for i in range(40)]
    ratios = {"train": 0.5, "validation": 0.25, "test": 0.25}
    expected = export(records, "jsonl", tmp_path / "lib", splits=ratios, seed=7).paths
    query: dict[str, str | int] = {"splits": "train=0.5,validation=0.25,test=0.25", "seed": 7}
    async with client_as(sqlite_settings) as client:
        url = f"{API}/{dataset_id}/export"
        parts = {name: await client.get(url, params={**query, "split": name}) for name in ratios}
        default = await client.get(url, params={"split": "test"})
    for name, response in parts.items():
        assert response.status_code == 200, response.text
        assert response.content == expected[name].read_bytes(), name
        assert f'filename="qa-v1-{name}.jsonl"' in response.headers["content-disposition"]
    lines = [line for r in parts.values() for line in r.content.splitlines()]
    assert len(lines) == len(set(lines)) == 40
    assert 0 < len(default.content.splitlines()) < 40


async def test_a_split_that_cannot_be_made_is_400_with_the_reason(sqlite_settings: Settings) -> None:
    await migrate(sqlite_settings)
    dataset_id = await seed_dataset(sqlite_settings, 3)
    url = f"{API}/{dataset_id}/export"
    async with client_as(sqlite_settings) as client:
        unknown = await client.get(url, params={"split": "holdout"})
        unnamed = await client.get(url, params={"splits": "0.9,0.1"})
        bad_sum = await client.get(url, params={"split": "train", "splits": "train=0.9,test=0.3"})
    assert (unknown.status_code, unknown.json()["detail"]) == (
        400,
        "split 'holdout' is not one of test, train, validation",
    )
    assert unnamed.status_code == 400
    assert "split=" in unnamed.json()["detail"]
    assert bad_sum.status_code == 400
    assert "sum to 1" in bad_sum.json()["detail"]


async def test_every_format_uploads_back_to_the_same_rows(sqlite_settings: Settings) -> None:
    """What the dashboard exports, it takes back: Parquet included (it used to be refused)."""
    await migrate(sqlite_settings)
    seeded = rows()
    dataset_id = await seed_dataset(sqlite_settings, seeded)
    async with client_as(sqlite_settings) as client:
        for fmt in ("jsonl", "parquet"):
            exported = await client.get(f"{API}/{dataset_id}/export", params={"format": fmt})
            uploaded = await client.post(
                f"{API}/upload",
                files={"file": (f"back.{fmt}", exported.content)},
                data={"name": f"back {fmt}", "data_type": "qa"},
            )
            assert uploaded.status_code == 201, (fmt, uploaded.text)
            assert uploaded.json()["file_format"] == fmt
            back_id = uploaded.json()["dataset"]["id"]
            items = (await client.get(f"{API}/{back_id}/examples")).json()["items"]
            expected = [r["messages"] for r in as_records(seeded)]
            if fmt == "parquet":  # its message struct has no per-message weight (the export notes the loss)
                expected = [[{k: v for k, v in m.items() if k != "weight"} for m in ms] for ms in expected]
            assert [item["messages"] for item in items] == expected, fmt
