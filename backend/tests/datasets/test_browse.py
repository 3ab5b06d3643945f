"""Browsing big versions: keyset paging with ``after``, uncounted filtered lists, exact version membership."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from app.core.config import Settings
from app.datasets import example_repository
from app.models import Role
from tests.conftest import migrate
from tests.datasets.factories import chat, client_as, example, seed_dataset

API = "/api/v1/datasets"


async def listing(client: httpx.AsyncClient, dataset_id: uuid.UUID, **params: Any) -> dict[str, Any]:
    response = await client.get(f"{API}/{dataset_id}/examples", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def keys(page: dict[str, Any]) -> list[str]:
    return [e["item_key"] for e in page["items"]]


async def test_after_continues_where_a_page_ended(any_settings: Settings) -> None:
    await migrate(any_settings)
    dataset_id = await seed_dataset(any_settings, 7)
    async with client_as(any_settings, Role.viewer) as client:
        first = await listing(client, dataset_id, page_size=3)
        second = await listing(client, dataset_id, page_size=3, after=first["items"][-1]["id"])
        third = await listing(client, dataset_id, page_size=3, after=second["items"][-1]["id"])
        skipped = await listing(client, dataset_id, page_size=2, page=2, after=first["items"][0]["id"])
        unknown = await client.get(f"{API}/{dataset_id}/examples", params={"after": str(uuid.uuid4())})
    assert keys(first) + keys(second) + keys(third) == [f"k{i:04d}" for i in range(7)]
    assert (second["total"], second["total_exact"]) == (7, True)  # the whole version, also after a key
    assert keys(skipped) == ["k0003", "k0004"]  # pages count from the key
    assert unknown.status_code == 404


async def test_a_filtered_list_says_whether_more_matches_follow(any_settings: Settings) -> None:
    await migrate(any_settings)
    rows = [example(i, score=9.0 if i % 2 else 1.0) for i in range(9)]
    dataset_id = await seed_dataset(any_settings, rows)
    async with client_as(any_settings, Role.viewer) as client:
        first = await listing(client, dataset_id, score_min=5, page_size=2)
        last = await listing(client, dataset_id, score_min=5, page_size=3, page=2)
        beyond = await listing(client, dataset_id, score_min=5, page_size=3, page=5)
        everything = await listing(client, dataset_id, q="question", page_size=50)
    assert keys(first) == ["k0001", "k0003"]
    assert (first["total"], first["total_exact"]) == (3, False)  # at least one more than this page
    assert (keys(last), last["total"], last["total_exact"]) == (["k0007"], 4, True)
    assert (beyond["items"], beyond["total"], beyond["total_exact"]) == ([], 4, True)
    assert (everything["total"], everything["total_exact"]) == (9, True)


async def test_a_version_holds_exactly_its_rows_while_a_later_one_is_written(any_settings: Settings) -> None:
    await migrate(any_settings)
    # Version 1 is current; version 2 is being written (as a quality job does): k0001 is replaced in it by
    # a fixed row, k0002 removed. Neither change is part of version 1 until version 2 is made current.
    rows = [
        example(0),
        example(1, removed_in=2),
        example(1, item_key="k0001", added_in=2, messages=chat("question 1", "fixed answer")),
        example(2, removed_in=2),
        example(3, removed_in=1),
    ]
    dataset_id = await seed_dataset(any_settings, rows)
    async with client_as(any_settings, Role.viewer) as client:
        current = await listing(client, dataset_id)
        searched = await listing(client, dataset_id, q="answer")
        fixed = await listing(client, dataset_id, q="fixed")
    assert [(e["item_key"], e["messages"][1]["content"]) for e in current["items"]] == [
        ("k0000", "answer 0"),
        ("k0001", "answer 1"),
        ("k0002", "answer 2"),
    ]
    assert current["total"] == 3
    assert keys(searched) == ["k0000", "k0001", "k0002"]
    assert (fixed["items"], fixed["total"]) == ([], 0)


async def test_a_search_past_the_rows_it_walks_first_asks_the_index(
    any_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A search walks the first SEARCH_WINDOW rows in dataset order; with too few matches there it asks
    # the index (the trigram index on PostgreSQL). Both ways give the same pages.
    monkeypatch.setattr(example_repository, "SEARCH_WINDOW", 4)
    await migrate(any_settings)
    rare = (1, 2, 9, 11)
    rows = [
        example(i, messages=chat(f"question {i}", "Rare" if i in rare else f"answer {i}")) for i in range(12)
    ]
    dataset_id = await seed_dataset(any_settings, rows)
    async with client_as(any_settings, Role.viewer) as client:
        walked = await listing(client, dataset_id, q="rare", page_size=1)  # k1 and one more: in the window
        asked = await listing(client, dataset_id, q="rare", page_size=2)  # a third match is past it
        second = await listing(client, dataset_id, q="rare", page_size=2, page=2)
        after = await listing(client, dataset_id, q="rare", page_size=5, after=asked["items"][-1]["id"])
        scored = await listing(client, dataset_id, q="rare", score_min=0, page_size=5)
        absent = await listing(client, dataset_id, q="nowhere")
    assert (keys(walked), walked["total"], walked["total_exact"]) == (["k0001"], 2, False)
    assert (keys(asked), asked["total"], asked["total_exact"]) == (["k0001", "k0002"], 3, False)
    assert (keys(second), second["total"], second["total_exact"]) == (["k0009", "k0011"], 4, True)
    assert keys(after) == ["k0009", "k0011"]
    assert keys(scored) == []  # no row has a score: the other filters hold in both ways
    assert (absent["items"], absent["total"], absent["total_exact"]) == ([], 0, True)


@pytest.mark.parametrize("window", [100, 1], ids=["walked", "index"])
async def test_a_search_ignores_case_in_every_script(
    any_settings: Settings, monkeypatch: pytest.MonkeyPatch, window: int
) -> None:
    # Text is case-folded when written and searched: the same matches on SQLite (whose ILIKE folds only
    # ASCII letters) and PostgreSQL, through the first rows' walk and through the index.
    monkeypatch.setattr(example_repository, "SEARCH_WINDOW", window)
    await migrate(any_settings)
    texts = ["Eine Straße in Köln", "ÉCOLE PRIMAIRE", "Ὀδυσσεύς", "plain 100% match_ here"]
    rows = [example(i, messages=chat(f"question {i}", text)) for i, text in enumerate(texts)]
    dataset_id = await seed_dataset(any_settings, rows)
    async with client_as(any_settings, Role.viewer) as client:
        found = {
            q: keys(await listing(client, dataset_id, q=q))
            for q in ("STRASSE IN KÖLN", "école", "ὈΔΥΣΣΕΎΣ", "100% MATCH_", "100%_match", "QUESTION 3")
        }
    assert found == {
        "STRASSE IN KÖLN": ["k0000"],
        "école": ["k0001"],
        "ὈΔΥΣΣΕΎΣ": ["k0002"],
        "100% MATCH_": ["k0003"],
        "100%_match": [],  # % and _ are literal characters, not wildcards
        "QUESTION 3": ["k0003"],
    }
