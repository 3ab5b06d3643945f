"""Examples: filters, search, pagination, and edits/removals as new versions that compare shows."""

from __future__ import annotations

from app.core.config import Settings
from app.models import Role
from tests.conftest import migrate
from tests.datasets.factories import chat, client_as, example, seed_dataset

API = "/api/v1/datasets"


async def test_filters_search_and_pages(any_settings: Settings) -> None:
    await migrate(any_settings)
    rows = [
        example(
            0, score=2.0, stage="generated", cluster="a", messages=chat("How do I reset a PASSWORD?", "x")
        ),
        example(1, score=8.5, stage="judged", cluster="b", messages=chat("50% off?", "yes")),
        example(2, score=9.0, stage="judged", cluster="a"),
        example(3, stage="generated"),
        example(4, score=7.0, stage="judged", removed_in=1),
    ]
    dataset_id = await seed_dataset(any_settings, rows)
    async with client_as(any_settings, Role.viewer) as client:

        async def keys(**params: str | int | float) -> list[str]:
            response = await client.get(f"{API}/{dataset_id}/examples", params=params)
            assert response.status_code == 200, response.text
            return [e["item_key"] for e in response.json()["items"]]

        assert await keys() == ["k0000", "k0001", "k0002", "k0003"]
        assert await keys(score_min=8) == ["k0001", "k0002"]
        assert await keys(score_min=2, score_max=8.5) == ["k0000", "k0001"]
        assert await keys(stage="generated") == ["k0000", "k0003"]
        assert await keys(cluster="a") == ["k0000", "k0002"]
        assert await keys(status="active") == ["k0000", "k0001", "k0002", "k0003"]
        assert await keys(q="password") == ["k0000"]
        assert await keys(q="50%") == ["k0001"]
        assert await keys(q="answer 2") == ["k0002"]
        assert await keys(q="%") == ["k0001"]
        page = (await client.get(f"{API}/{dataset_id}/examples", params={"page": 2, "page_size": 3})).json()
        bad = await client.get(f"{API}/{dataset_id}/examples", params={"score_min": 11})
    assert [e["item_key"] for e in page["items"]] == ["k0003"]
    assert page["total"] == 4
    assert bad.status_code == 422


async def test_edit_creates_a_version_that_compare_shows(any_settings: Settings) -> None:
    await migrate(any_settings)
    dataset_id = await seed_dataset(any_settings, [example(0, score=9.0), example(1)])
    async with client_as(any_settings) as client:
        base = f"{API}/{dataset_id}/examples"
        old = (await client.get(base)).json()["items"][0]
        edited = await client.patch(f"{base}/{old['id']}", json={"messages": chat("new question", "new")})
        assert edited.status_code == 200, edited.text
        new = edited.json()
        current = (await client.get(base)).json()["items"]
        first = (await client.get(base, params={"version": 1})).json()["items"]
        compare = await client.get(f"{API}/{dataset_id}/versions/compare", params={"from": 1, "to": 2})
        versions = (await client.get(f"{API}/{dataset_id}/versions")).json()["items"]
        old_row = (await client.get(f"{base}/{old['id']}")).json()
        stale = await client.patch(f"{base}/{old['id']}", json={"messages": chat("again", "x")})
        detail = (await client.get(f"{API}/{dataset_id}")).json()
    assert (new["item_key"], new["position"], new["added_in"], new["score"]) == ("k0000", 0, 2, None)
    assert new["provenance"]["edited_from"] == old["id"]
    assert [e["messages"][0]["content"] for e in current] == ["new question", "question 1"]
    assert [e["messages"][0]["content"] for e in first] == ["question 0", "question 1"]
    assert old_row["removed_in"] == 2
    assert compare.status_code == 200
    body = compare.json()
    assert (body["added"], body["removed"], body["changed"]) == (0, 0, 1)
    assert body["changed_keys"] == ["k0000"]
    assert [(v["number"], v["example_count"]) for v in versions] == [(2, 2), (1, 2)]
    assert stale.status_code == 409
    assert (detail["version"], detail["stats"]["current_version"]["number"]) == (2, 2)


async def test_invalid_edits_are_422_and_change_nothing(sqlite_settings: Settings) -> None:
    await migrate(sqlite_settings)
    dataset_id = await seed_dataset(sqlite_settings, 1)
    async with client_as(sqlite_settings) as client:
        base = f"{API}/{dataset_id}/examples"
        example_id = (await client.get(base)).json()["items"][0]["id"]
        bad_role = await client.patch(
            f"{base}/{example_id}", json={"messages": [{"role": "x", "content": "y"}]}
        )
        bad_weight = await client.patch(
            f"{base}/{example_id}", json={"messages": [{"role": "user", "content": "y", "weight": 1}]}
        )
        empty = await client.patch(f"{base}/{example_id}", json={"messages": []})
        detail = (await client.get(f"{API}/{dataset_id}")).json()
    assert bad_role.status_code == empty.status_code == 422
    assert bad_weight.status_code == 422
    assert bad_weight.json()["error"] == "invalid_content"
    assert "weight" in bad_weight.json()["detail"]
    assert detail["version"] == 1


async def test_delete_and_bulk_remove_make_versions(any_settings: Settings) -> None:
    await migrate(any_settings)
    dataset_id = await seed_dataset(any_settings, 5)
    async with client_as(any_settings) as client:
        base = f"{API}/{dataset_id}/examples"
        ids = [e["id"] for e in (await client.get(base)).json()["items"]]
        assert (await client.delete(f"{base}/{ids[0]}")).status_code == 204
        bulk = await client.post(f"{base}/bulk", json={"action": "remove", "ids": [ids[1], ids[2], ids[0]]})
        again = await client.post(f"{base}/bulk", json={"action": "remove", "ids": [ids[1]]})
        deleted_again = await client.delete(f"{base}/{ids[0]}")
        compare = (await client.get(f"{API}/{dataset_id}/versions/compare?from=1&to=3")).json()
        back = (await client.get(f"{API}/{dataset_id}/versions/compare?from=3&to=1")).json()
        detail = (await client.get(f"{API}/{dataset_id}")).json()
        out_of_range = await client.get(f"{API}/{dataset_id}/versions/compare?from=1&to=9")
    assert bulk.status_code == 200, bulk.text
    assert bulk.json() == {"version": 3, "affected": 2, "example_count": 2}
    assert again.status_code == deleted_again.status_code == 409
    assert (compare["removed"], compare["removed_keys"], compare["added"]) == (
        3,
        ["k0000", "k0001", "k0002"],
        0,
    )
    assert (back["added"], back["removed"]) == (3, 0)
    assert (detail["version"], detail["example_count"]) == (3, 2)
    assert out_of_range.status_code == 404


async def test_versions_are_paginated(sqlite_settings: Settings) -> None:
    await migrate(sqlite_settings)
    dataset_id = await seed_dataset(sqlite_settings, 3)
    async with client_as(sqlite_settings) as client:
        base = f"{API}/{dataset_id}/examples"
        for item in (await client.get(base)).json()["items"]:
            assert (await client.delete(f"{base}/{item['id']}")).status_code == 204
        page = (await client.get(f"{API}/{dataset_id}/versions", params={"page_size": 2, "page": 2})).json()
    assert [v["number"] for v in page["items"]] == [2, 1]
    assert page["total"] == 4
