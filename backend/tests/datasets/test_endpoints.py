"""Dataset CRUD over HTTP: filters, sorting, pagination, roles and the error shape."""

from __future__ import annotations

import uuid

from app.core.config import Settings
from app.models import Role
from tests.conftest import api_client, migrate
from tests.datasets.factories import add_user, client_as, example, seed_dataset

API = "/api/v1/datasets"


async def test_create_read_update_delete(any_settings: Settings) -> None:
    await migrate(any_settings)
    async with client_as(any_settings) as client:
        created = await client.post(
            API, json={"name": "Support QA", "data_type": "qa", "domain": "support", "description": "d"}
        )
        assert created.status_code == 201, created.text
        dataset = created.json()
        me = (await client.get("/api/v1/auth/me")).json()
        assert (dataset["version"], dataset["example_count"], dataset["owner_id"]) == (1, 0, me["id"])

        patched = await client.patch(f"{API}/{dataset['id']}", json={"description": "new"})
        assert patched.status_code == 200
        assert patched.json()["description"] == "new"
        assert patched.json()["name"] == "Support QA"  # fields not sent stay as they were

        detail = (await client.get(f"{API}/{dataset['id']}")).json()
        assert detail["stats"]["example_count"] == 0
        assert detail["stats"]["current_version"]["reason"] == "created"

        assert (await client.delete(f"{API}/{dataset['id']}")).status_code == 204
        missing = await client.get(f"{API}/{dataset['id']}")
    assert missing.status_code == 404
    assert missing.json() == {"error": "not_found", "detail": f"no dataset {dataset['id']}"}


async def test_detail_stats(any_settings: Settings) -> None:
    await migrate(any_settings)
    rows = [
        example(0, score=0.5, stage="generated"),
        example(1, score=9.9, stage="judged"),
        example(2, score=10.0, stage="judged", cluster="c1"),
        example(3, score=4.2, stage="judged"),
        example(4, stage="generated"),
        example(5, score=1.0, removed_in=1, added_in=1, stage="judged"),
    ]
    dataset_id = await seed_dataset(any_settings, rows)
    async with client_as(any_settings, Role.viewer) as client:
        stats = (await client.get(f"{API}/{dataset_id}")).json()["stats"]
    counts = [b["count"] for b in stats["score_histogram"]]
    assert counts == [1, 0, 0, 0, 1, 0, 0, 0, 0, 2]
    assert (stats["score_histogram"][9]["lower"], stats["score_histogram"][9]["upper"]) == (9.0, 10.0)
    assert stats["unscored"] == 1
    assert stats["by_stage"] == {"generated": 2, "judged": 3}
    assert stats["by_status"] == {"active": 5}


async def test_list_filters_search_sort_and_pages(any_settings: Settings) -> None:
    await migrate(any_settings)
    await seed_dataset(any_settings, 3, name="alpha math", data_type="qa", domain="math")
    await seed_dataset(any_settings, 1, name="beta", data_type="code", description="100% python_code")
    await seed_dataset(any_settings, 2, name="gamma", data_type="qa", domain="law")
    async with client_as(any_settings, Role.viewer) as client:

        async def names(**params: str | int) -> list[str]:
            response = await client.get(API, params=params)
            assert response.status_code == 200, response.text
            return [d["name"] for d in response.json()["items"]]

        assert await names(sort="name", order="asc") == ["alpha math", "beta", "gamma"]
        assert await names(sort="example_count", order="desc") == ["alpha math", "gamma", "beta"]
        assert await names(data_type="qa", sort="name", order="asc") == ["alpha math", "gamma"]
        assert await names(domain="law") == ["gamma"]
        assert await names(search="ALPHA") == ["alpha math"]
        assert await names(search="100%") == ["beta"]  # % is matched literally
        assert await names(search="y_h") == []  # so is _
        page = (
            await client.get(API, params={"sort": "name", "order": "asc", "page": 2, "page_size": 2})
        ).json()
        bad = await client.get(API, params={"sort": "nope"})
    assert [d["name"] for d in page["items"]] == ["gamma"]
    assert (page["total"], page["page"], page["page_size"]) == (3, 2, 2)
    assert bad.status_code == 422
    assert bad.json()["error"] == "validation_error"


async def test_a_viewer_reads_but_cannot_write(any_settings: Settings) -> None:
    await migrate(any_settings)
    dataset_id = await seed_dataset(any_settings, 2)
    async with client_as(any_settings, Role.viewer) as client:
        assert (await client.get(f"{API}/{dataset_id}")).status_code == 200
        assert (await client.get(f"{API}/{dataset_id}/examples")).status_code == 200
        writes = [
            await client.post(API, json={"name": "x", "data_type": "qa"}),
            await client.patch(f"{API}/{dataset_id}", json={"name": "x"}),
            await client.delete(f"{API}/{dataset_id}"),
            await client.post(f"{API}/{dataset_id}/sample", json={"n": 1}),
            await client.post(f"{API}/upload", files={"file": ("a.jsonl", b"{}")}, data={"name": "x"}),
        ]
    assert [w.status_code for w in writes] == [403] * len(writes)
    assert all(w.json()["error"] == "forbidden" for w in writes)


async def test_an_editor_changes_only_their_own_datasets(sqlite_settings: Settings) -> None:
    await migrate(sqlite_settings)
    admins = await seed_dataset(sqlite_settings, 1)
    editor = await add_user(sqlite_settings, Role.editor)
    own = await seed_dataset(sqlite_settings, 1, owner=editor)
    async with client_as(sqlite_settings) as admin:
        assert (await admin.patch(f"{API}/{own}", json={"name": "by admin"})).status_code == 200
    async with client_as(sqlite_settings, Role.editor) as other:
        assert (await other.patch(f"{API}/{admins}", json={"name": "x"})).status_code == 403
        assert (await other.get(f"{API}/{admins}")).status_code == 200


async def test_missing_and_malformed_ids(any_settings: Settings) -> None:
    await migrate(any_settings)
    missing = uuid.uuid4()
    async with client_as(any_settings) as client:
        for path in ("", "/examples", "/versions", "/export", f"/examples/{uuid.uuid4()}"):
            response = await client.get(f"{API}/{missing}{path}")
            assert response.status_code == 404, path
            assert response.json()["error"] == "not_found"
        assert (await client.delete(f"{API}/{missing}")).status_code == 404
        assert (await client.get(f"{API}/not-a-uuid")).status_code == 422
        null_name = await client.patch(f"{API}/{await seed_dataset(any_settings)}", json={"name": None})
    assert null_name.status_code == 400


async def test_endpoints_need_a_login(sqlite_settings: Settings) -> None:
    await migrate(sqlite_settings)
    async with api_client(sqlite_settings) as client:
        assert (await client.get(API)).status_code == 401
