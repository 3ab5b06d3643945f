"""Version compare with text: the rows of each change kind, with their messages before and after."""

from __future__ import annotations

from typing import Any

from app.core.config import Settings
from app.models import Role
from tests.conftest import migrate
from tests.datasets.factories import chat, client_as, example, seed_dataset

API = "/api/v1/datasets"


async def test_rows_of_each_change_kind_carry_their_messages(any_settings: Settings) -> None:
    await migrate(any_settings)
    dataset_id = await seed_dataset(any_settings, 4)
    async with client_as(any_settings) as client:
        base = f"{API}/{dataset_id}/examples"
        ids = [e["id"] for e in (await client.get(base)).json()["items"]]
        edited = await client.patch(f"{base}/{ids[1]}", json={"messages": chat("question 1", "a new answer")})
        assert edited.status_code == 200, edited.text
        assert (await client.delete(f"{base}/{ids[3]}")).status_code == 204

        async def rows(**params: Any) -> dict[str, Any]:
            response = await client.get(f"{API}/{dataset_id}/versions/compare/rows", params=params)
            assert response.status_code == 200, response.text
            body: dict[str, Any] = response.json()
            return body

        changed = await rows(**{"from": 1, "to": 3})
        removed = await rows(**{"from": 1, "to": 3, "kind": "removed"})
        added = await rows(**{"from": 3, "to": 1, "kind": "added"})
        unchanged = await rows(**{"from": 2, "to": 3, "kind": "changed"})
    assert (changed["total"], [r["item_key"] for r in changed["items"]]) == (1, ["k0001"])
    row = changed["items"][0]
    assert row["kind"] == "changed"
    assert row["before"] == chat("question 1", "answer 1")
    assert row["after"] == chat("question 1", "a new answer")
    assert removed["items"] == [
        {"item_key": "k0003", "kind": "removed", "before": chat("question 3", "answer 3"), "after": None}
    ]
    assert added["items"] == [
        {"item_key": "k0003", "kind": "added", "before": None, "after": chat("question 3", "answer 3")}
    ]
    assert (unchanged["total"], unchanged["items"]) == (0, [])


async def test_rows_are_paged_in_key_order_and_checked(sqlite_settings: Settings) -> None:
    await migrate(sqlite_settings)
    # Seeded out of key order: the pages follow the keys, not the positions.
    dataset_id = await seed_dataset(sqlite_settings, [example(i, item_key=f"k{9 - i}") for i in range(5)])
    async with client_as(sqlite_settings) as client:
        ids = [e["id"] for e in (await client.get(f"{API}/{dataset_id}/examples")).json()["items"]]
        bulk = await client.post(f"{API}/{dataset_id}/examples/bulk", json={"action": "remove", "ids": ids})
        assert bulk.status_code == 200, bulk.text
    async with client_as(sqlite_settings, Role.viewer) as client:
        url = f"{API}/{dataset_id}/versions/compare/rows"
        second: dict[str, str | int] = {"from": 1, "to": 2, "kind": "removed", "page": 2, "page_size": 2}
        page = await client.get(url, params=second)
        bad_kind = await client.get(url, params={"from": 1, "to": 2, "kind": "moved"})
        missing = await client.get(url, params={"from": 1, "to": 7})
    assert page.status_code == 200, page.text
    assert page.json()["total"] == 5
    assert [(r["item_key"], r["after"]) for r in page.json()["items"]] == [("k7", None), ("k8", None)]
    assert bad_kind.status_code == 422
    assert missing.status_code == 404
