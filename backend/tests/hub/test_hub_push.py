"""Hub push from the API: the token stored write-only, the push run by a worker against the fake Hub."""

from __future__ import annotations

from collections.abc import Callable

import yaml

from app.core.config import Settings
from app.models import Role
from distillation.testing.fake_hub import FakeHubServer
from tests.conftest import WorkerProcess, migrate
from tests.datasets.factories import client_as, seed_dataset
from tests.test_worker import wait_for_task

TOKEN = "hf_good_secret_token"


async def test_push_with_a_stored_token_and_a_clear_401_for_a_bad_one(
    any_settings: Settings, start_worker: Callable[..., WorkerProcess]
) -> None:
    await migrate(any_settings)
    with FakeHubServer({TOKEN: "alice"}) as hub:
        settings = any_settings.model_copy(update={"hub_endpoint": hub.url})
        start_worker(settings)
        dataset_id = await seed_dataset(settings, 12)
        async with client_as(settings) as client:
            before = (await client.get("/api/v1/hub")).json()
            body = {"repo_id": "alice/support", "private": False, "format": "jsonl"}
            no_token = await client.post(f"/api/v1/datasets/{dataset_id}/push", json=body)
            saved = await client.put("/api/v1/hub/token", json={"token": TOKEN})
            after = await client.get("/api/v1/hub")
            providers = await client.get("/api/v1/providers")
            bad_splits = await client.post(
                f"/api/v1/datasets/{dataset_id}/push", json={**body, "splits": "train=2"}
            )
            started = await client.post(
                f"/api/v1/datasets/{dataset_id}/push", json={**body, "splits": "train=0.75,test=0.25"}
            )
            assert started.status_code == 202, started.text
            done = await wait_for_task(client, started.json()["id"])
            await client.put("/api/v1/hub/token", json={"token": "hf_revoked_token"})
            refused = await client.post(f"/api/v1/datasets/{dataset_id}/push", json=body)
            failed = await wait_for_task(client, refused.json()["id"])
        async with client_as(settings, Role.viewer) as viewer:
            viewer_push = await viewer.post(f"/api/v1/datasets/{dataset_id}/push", json=body)
            viewer_token = await viewer.put("/api/v1/hub/token", json={"token": "x"})
        repo = hub.repos["alice/support"]
    assert before["configured"] is False
    assert before["endpoint"] == hub.url
    assert no_token.status_code == 422
    assert "Hugging Face token" in no_token.json()["detail"]
    assert saved.status_code == 200, saved.text
    assert after.json()["configured"] is True
    assert after.json()["key_last4"] == "oken"
    for answer in (saved, after, providers, started):
        assert TOKEN not in answer.text
    assert "huggingface" not in [p["name"] for p in providers.json()]
    assert bad_splits.status_code == 400
    assert done["status"] == "succeeded", done
    assert TOKEN not in str(done)
    assert sum(done["result"]["counts"].values()) == 12
    assert repo.private is False
    assert sorted(repo.files) == [
        "README.md",
        "data/test-00000-of-00001.jsonl",
        "data/train-00000-of-00001.jsonl",
    ]
    meta = yaml.safe_load(repo.files["README.md"].decode().split("---\n")[1])
    paths = {f["path"] for f in meta["configs"][0]["data_files"]}
    assert paths == {"data/train-*.jsonl", "data/test-*.jsonl"}
    rows = b"".join(repo.files[n] for n in repo.files if n.startswith("data/")).splitlines()
    assert len(rows) == 12
    assert failed["status"] == "failed"
    assert "401" in failed["error"]
    assert "token" in failed["error"]
    assert "hf_revoked_token" not in str(failed)
    assert viewer_push.status_code == 403
    assert viewer_token.status_code == 403
