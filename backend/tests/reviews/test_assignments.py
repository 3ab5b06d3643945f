"""Assigning rows to reviewers by judge score range: their queue, their progress, who may assign."""

from __future__ import annotations

import uuid

from app.core.config import Settings
from app.models import Role
from tests.conftest import api_client, login, migrate
from tests.datasets.factories import PASSWORD, add_user, client_as, example, seed_dataset

API = "/api/v1/datasets"


def scored() -> list[dict[str, object]]:
    """Five rows scored 2, 8, 5 and 9, and one never judged."""
    return [
        example(0, score=2.0),
        example(1, score=8.0),
        example(2),
        example(3, score=5.0),
        example(4, score=9.0),
    ]


async def test_an_assigned_reviewer_sees_only_their_rows_and_progress_counts_them(
    any_settings: Settings,
) -> None:
    await migrate(any_settings)
    dataset_id = await seed_dataset(any_settings, scored())
    reviewer = await add_user(any_settings, Role.editor)
    async with client_as(any_settings) as admin, api_client(any_settings) as client:
        await login(client, reviewer, PASSWORD)
        everything = (await client.get(f"{API}/{dataset_id}/review/next")).json()
        assigned = await admin.put(
            f"{API}/{dataset_id}/review/assignments", json={"email": reviewer, "score_max": 5.0}
        )
        first = (await client.get(f"{API}/{dataset_id}/review/next")).json()
        await client.put(f"{API}/{dataset_id}/review/{first['example']['id']}", json={"status": "rejected"})
        second = (await client.get(f"{API}/{dataset_id}/review/next")).json()
        await client.put(f"{API}/{dataset_id}/review/{second['example']['id']}", json={"status": "accepted"})
        done = (await client.get(f"{API}/{dataset_id}/review/next")).json()
        listed = (await admin.get(f"{API}/{dataset_id}/review/assignments")).json()
        reviewer_id = listed[0]["reviewer_id"]
        ended = await admin.delete(f"{API}/{dataset_id}/review/assignments/{reviewer_id}")
        unassigned = (await client.get(f"{API}/{dataset_id}/review/next")).json()
    assert (everything["assigned"], everything["pending"]) == (False, 5)
    assert assigned.status_code == 204, assigned.text
    # Scored 5 or less: the 2 and the 5; the unscored row is not in a score range.
    assert (first["assigned"], first["pending"], first["example"]["item_key"]) == (True, 2, "k0000")
    assert second["example"]["item_key"] == "k0003"
    assert (done["pending"], done["example"]) == (0, None)
    assert listed == [
        {
            "reviewer_id": reviewer_id,
            "email": reviewer,
            "score_min": None,
            "score_max": 5.0,
            "rows": 2,
            "decided": 2,
        }
    ]
    assert ended.status_code == 204
    assert (unassigned["assigned"], unassigned["pending"], unassigned["example"]["item_key"]) == (
        False,
        3,
        "k0001",
    )


async def test_only_owners_assign_and_only_to_people_who_can_decide(sqlite_settings: Settings) -> None:
    await migrate(sqlite_settings)
    dataset_id = await seed_dataset(sqlite_settings, scored())
    viewer = await add_user(sqlite_settings, Role.viewer)
    editor = await add_user(sqlite_settings, Role.editor)
    url = f"{API}/{dataset_id}/review/assignments"
    async with client_as(sqlite_settings, Role.editor) as other:
        not_owner = await other.put(url, json={"email": editor})
    async with client_as(sqlite_settings) as admin:
        to_viewer = await admin.put(url, json={"email": viewer})
        to_nobody = await admin.put(url, json={"email": "nobody@test.local"})
        empty_range = await admin.put(url, json={"email": editor, "score_min": 8, "score_max": 3})
        out_of_scale = await admin.put(url, json={"email": editor, "score_min": 11})
        again = [await admin.put(url, json={"email": editor, "score_min": m}) for m in (1.0, 6.0)]
        listed = (await admin.get(url)).json()
        missing = await admin.get(f"{API}/{uuid.uuid4()}/review/assignments")
    assert not_owner.status_code == 403
    assert to_viewer.status_code == 400
    assert "viewer" in to_viewer.json()["detail"]
    assert to_nobody.status_code == 404
    assert (empty_range.status_code, out_of_scale.status_code) == (400, 422)
    assert [r.status_code for r in again] == [204, 204]
    # Assigning again replaces the reviewer's range: one assignment, scored 6 or more (the 8 and the 9).
    assert [(a["email"], a["score_min"], a["rows"], a["decided"]) for a in listed] == [(editor, 6.0, 2, 0)]
    assert missing.status_code == 404
