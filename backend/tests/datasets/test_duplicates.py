"""Near-duplicate clusters are found by a real worker, listed best row first, and removed as a version."""

from __future__ import annotations

from collections.abc import Callable

from app.core.config import Settings
from tests.conftest import WorkerProcess, api_client, login, migrate
from tests.datasets.factories import chat, jsonl
from tests.test_worker import wait_for_task

API = "/api/v1/datasets"


async def test_duplicate_clusters_are_found_listed_and_removed(
    sqlite_settings: Settings, start_worker: Callable[..., WorkerProcess]
) -> None:
    await migrate(sqlite_settings)
    start_worker(sqlite_settings)
    rows = [
        {
            "messages": chat("How do I reset my router password?", "Hold the reset button for ten seconds."),
        },
        {"messages": chat("How do I reset my router password?", "Hold the reset button for ten seconds.")},
        {
            "messages": chat("How do I reset my router password ?", "Hold the reset button for 10 seconds."),
        },
        {"messages": chat("Where is my parcel?", "Track it with the number in your confirmation e-mail.")},
        {"messages": chat("Can I change my delivery address?", "Yes, until the parcel has shipped.")},
    ]
    async with api_client(sqlite_settings) as client:
        await login(client)
        uploaded = await client.post(
            f"{API}/upload",
            files={"file": ("dups.jsonl", jsonl(*rows))},
            data={"name": "dups", "data_type": "qa"},
        )
        assert uploaded.status_code == 201, uploaded.text
        dataset_id = (
            uploaded.json()["dataset"]["id"] if "dataset" in uploaded.json() else uploaded.json()["id"]
        )
        before = (await client.get(f"{API}/{dataset_id}/duplicates")).json()
        task = await client.post(f"{API}/{dataset_id}/duplicates", params={"threshold": 0.6})
        assert task.status_code == 202, task.text
        record = await wait_for_task(client, task.json()["id"])
        found = (await client.get(f"{API}/{dataset_id}/duplicates")).json()
        members = (
            await client.get(
                f"{API}/{dataset_id}/examples", params={"cluster": found["clusters"][0]["cluster"]}
            )
        ).json()
        removed = await client.post(
            f"{API}/{dataset_id}/examples/bulk", json={"action": "remove", "ids": found["drop_ids"]}
        )
        after = (await client.get(f"{API}/{dataset_id}")).json()
    assert before["clusters"] == []
    assert record["status"] == "succeeded", record
    assert record["result"]["clusters"] >= 1
    assert len(found["clusters"]) == 1
    cluster = found["clusters"][0]
    assert cluster["size"] == 3
    assert members["total"] == 3
    # Without scores, the first row of a cluster is the one kept.
    assert cluster["keep_id"] == min(members["items"], key=lambda m: m["position"])["id"]
    assert removed.status_code == 200, removed.text
    assert after["example_count"] == 3
