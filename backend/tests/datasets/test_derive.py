"""Merge, sample and split make new datasets, deterministically, from the current versions."""

from __future__ import annotations

import uuid

import httpx

from app.core.config import Settings
from distillation.export import assign_split
from tests.conftest import migrate
from tests.datasets.factories import chat, client_as, example, seed_dataset

API = "/api/v1/datasets"


async def questions(client: httpx.AsyncClient, dataset_id: str) -> list[str]:
    page = (await client.get(f"{API}/{dataset_id}/examples", params={"page_size": 500})).json()
    return [e["messages"][0]["content"] for e in page["items"]]


async def test_merge_keeps_order_and_needs_one_data_type(any_settings: Settings) -> None:
    await migrate(any_settings)
    first = await seed_dataset(any_settings, 2, name="a")
    rows = [example(0, messages=chat("other", "x")), example(1, removed_in=1)]
    second = await seed_dataset(any_settings, rows, name="b")
    code = await seed_dataset(any_settings, 1, data_type="code")
    async with client_as(any_settings) as client:
        merged = await client.post(f"{API}/merge", json={"ids": [str(first), str(second)], "name": "m"})
        assert merged.status_code == 201, merged.text
        merged_questions = await questions(client, merged.json()["id"])
        mixed = await client.post(f"{API}/merge", json={"ids": [str(first), str(code)], "name": "m"})
        missing = await client.post(
            f"{API}/merge", json={"ids": [str(first), str(uuid.uuid4())], "name": "m"}
        )
    assert merged_questions == ["question 0", "question 1", "other"]
    assert (merged.json()["example_count"], merged.json()["version"]) == (3, 1)
    assert mixed.status_code == 400
    assert missing.status_code == 404


async def test_sample_is_reproducible(any_settings: Settings) -> None:
    await migrate(any_settings)
    source = await seed_dataset(any_settings, 30)
    async with client_as(any_settings) as client:
        picks = []
        for seed in (1, 1, 2):
            response = await client.post(f"{API}/{source}/sample", json={"n": 5, "seed": seed})
            assert response.status_code == 201, response.text
            assert response.json()["example_count"] == 5
            picks.append(await questions(client, response.json()["id"]))
        too_many = await client.post(f"{API}/{source}/sample", json={"n": 31})
        huge_seed = await client.post(f"{API}/{source}/sample", json={"n": 5, "seed": 2**64})
    assert picks[0] == picks[1]
    assert picks[0] != picks[2]
    assert len(set(picks[0])) == 5
    assert too_many.status_code == 400
    assert huge_seed.status_code == 422


async def test_split_follows_assign_split(any_settings: Settings) -> None:
    await migrate(any_settings)
    source = await seed_dataset(any_settings, 40, name="src")
    ratios = {"train": 0.5, "test": 0.5}
    async with client_as(any_settings) as client:
        response = await client.post(f"{API}/{source}/split", json={"ratios": ratios, "seed": 3})
        assert response.status_code == 201, response.text
        created = response.json()["datasets"]
        got = {name: await questions(client, d["id"]) for name, d in created.items()}
        bad = await client.post(f"{API}/{source}/split", json={"ratios": {"train": 0.5, "../x": 0.5}})
        default = await client.post(f"{API}/{source}/split", json={})
        # A seed is stored in the new datasets' lineage: one past the range is refused, not a 500.
        huge_seed = await client.post(f"{API}/{source}/split", json={"seed": 2**64})
        negative_seed = await client.post(f"{API}/{source}/split", json={"seed": -1})
    expected: dict[str, list[str]] = {"train": [], "test": []}
    for i in range(40):
        messages = chat(f"question {i}", f"answer {i}")
        expected[assign_split({"messages": messages}, ratios, seed=3)].append(f"question {i}")
    assert got == expected
    assert created["train"]["name"] == "src (train)"
    assert bad.status_code == 400
    assert sorted(default.json()["datasets"]) == ["test", "train", "validation"]
    assert (huge_seed.status_code, negative_seed.status_code) == (422, 422)
    assert "seed" in huge_seed.text


async def test_convert_reshapes_rows_and_counts_what_the_view_could_not_keep(any_settings: Settings) -> None:
    await migrate(any_settings)
    turns = [
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello."},
        {"role": "user", "content": "Refund?"},
        {"role": "assistant", "content": "Within 30 days."},
    ]
    unanswered = [{"role": "user", "content": "Anyone there?"}]
    rows = [
        example(0, messages=chat("question 0", "answer 0", system="Be brief.")),
        example(1, messages=turns),
        example(2, messages=unanswered),
    ]
    source = await seed_dataset(any_settings, rows, name="support")
    async with client_as(any_settings) as client:
        refused = await client.post(f"{API}/{source}/convert", json={"format": "flat"})
        response = await client.post(f"{API}/{source}/convert", json={"format": "flat", "on_error": "skip"})
        assert response.status_code == 201, response.text
        result = response.json()
        created = result["dataset"]["id"]
        flat = (await client.get(f"{API}/{created}/examples", params={"page_size": 10})).json()
        instruction = await client.post(
            f"{API}/{source}/convert", json={"format": "instruction", "on_error": "skip", "name": "alpaca"}
        )
        listed = (await client.get(API, params={"search": "support (flat)"})).json()
        unknown = await client.post(f"{API}/{source}/convert", json={"format": "yaml"})
    assert refused.status_code == 400
    assert "k0002" in refused.json()["detail"]
    assert (result["converted"], result["skipped"], result["lossy"]) == (2, 1, 1)
    assert result["skipped_rows"][0]["item_key"] == "k0002"
    assert result["dataset"]["name"] == "support (flat)"
    assert [loss["item_keys"] for loss in result["losses"]] == [["k0001"]]
    by_key = {e["item_key"]: e["messages"] for e in flat["items"]}
    assert by_key["k0000"] == chat("question 0", "answer 0", system="Be brief.")  # single turns round-trip
    assert len(by_key["k0001"]) == 2  # earlier turns folded into one prompt
    assert "Hi" in by_key["k0001"][0]["content"]
    assert by_key["k0001"][1]["content"] == "Within 30 days."
    # Alpaca keeps earlier turns as history, and says that plain Alpaca readers ignore it.
    assert instruction.status_code == 201, instruction.text
    assert instruction.json()["dataset"]["name"] == "alpaca"
    assert [(x["kind"], x["item_keys"]) for x in instruction.json()["losses"]] == [("history", ["k0001"])]
    assert [d["name"] for d in listed["items"]] == ["support (flat)"]
    assert unknown.status_code == 422
