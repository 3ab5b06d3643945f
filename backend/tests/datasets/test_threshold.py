"""Keeping rows by judge score: counts at every threshold from stored scores, applied as one new version."""

from __future__ import annotations

import uuid
from typing import Any

from app.core.config import Settings
from app.models import Role
from tests.conftest import migrate
from tests.datasets.factories import add_user, client_as, example, seed_dataset

API = "/api/v1/datasets"


def scored_rows() -> list[dict[str, Any]]:
    """Six current rows (two without a score) and one removed before: scores 2, 4.5, 7, 7.1 and 10."""
    return [
        example(0, score=2.0),
        example(1, score=7.0),
        example(2),  # never judged
        example(3, score=4.5),
        example(4, score=10.0),
        example(5),  # sampled out of judging
        example(6, score=7.1),
        example(7, score=1.0, removed_in=1),
    ]


def point(body: dict[str, Any], min_score: float) -> tuple[int, int]:
    found = next(p for p in body["points"] if p["min_score"] == min_score)
    return found["kept"], found["removed"]


async def test_counts_at_every_threshold_leave_unscored_rows_apart(any_settings: Settings) -> None:
    await migrate(any_settings)
    dataset_id = await seed_dataset(any_settings, scored_rows())
    async with client_as(any_settings, Role.viewer) as client:
        response = await client.get(f"{API}/{dataset_id}/threshold")
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["version"], body["example_count"], body["scored"], body["unscored"]) == (1, 7, 5, 2)
    assert [p["min_score"] for p in body["points"]][:3] == [0.0, 0.1, 0.2]
    assert len(body["points"]) == 101
    assert body["points"][-1]["min_score"] == 10.0
    assert point(body, 0.0) == (5, 0)
    assert point(body, 4.5) == (4, 1)  # a score equal to the threshold is kept
    assert point(body, 4.6) == (3, 2)
    assert point(body, 7.0) == (3, 2)
    assert point(body, 7.1) == (2, 3)
    assert point(body, 7.2) == (1, 4)
    assert point(body, 10.0) == (1, 4)


async def test_apply_removes_the_rows_below_as_a_new_version(any_settings: Settings) -> None:
    await migrate(any_settings)
    dataset_id = await seed_dataset(any_settings, scored_rows())
    async with client_as(any_settings) as client:
        counted = (await client.get(f"{API}/{dataset_id}/threshold")).json()
        applied = await client.post(f"{API}/{dataset_id}/threshold", json={"min_score": 7.1, "version": 1})
        current = (await client.get(f"{API}/{dataset_id}/examples")).json()["items"]
        older = (await client.get(f"{API}/{dataset_id}/examples", params={"version": 1})).json()
        versions = (await client.get(f"{API}/{dataset_id}/versions")).json()["items"]
        after = (await client.get(f"{API}/{dataset_id}/threshold")).json()
    assert applied.status_code == 200, applied.text
    kept, removed = point(counted, 7.1)
    assert applied.json() == {"version": 2, "affected": removed, "example_count": kept + counted["unscored"]}
    # The 7.1 row, the 10 and both unscored rows stay, in dataset order.
    assert [(e["item_key"], e["score"]) for e in current] == [
        ("k0002", None),
        ("k0004", 10.0),
        ("k0005", None),
        ("k0006", 7.1),
    ]
    assert older["total"] == 7
    assert (versions[0]["number"], versions[0]["reason"]) == (2, "keep judge scores ≥ 7.1 (3 below removed)")
    assert (after["version"], after["scored"], after["unscored"], point(after, 0.0)) == (2, 2, 2, (2, 0))


async def test_nothing_below_or_a_stale_version_is_refused_without_a_version(any_settings: Settings) -> None:
    await migrate(any_settings)
    dataset_id = await seed_dataset(any_settings, scored_rows())
    async with client_as(any_settings) as client:
        url = f"{API}/{dataset_id}/threshold"
        nothing = await client.post(url, json={"min_score": 2.0})
        first = await client.post(url, json={"min_score": 3.0, "version": 1})
        stale = await client.post(url, json={"min_score": 8.0, "version": 1})
        out_of_range = await client.post(url, json={"min_score": 10.5})
        detail = (await client.get(f"{API}/{dataset_id}")).json()
    assert nothing.status_code == 409
    assert nothing.json() == {
        "error": "conflict",
        "detail": "no example of v1 scores below 2; nothing to remove",
    }
    assert first.status_code == 200, first.text
    assert stale.status_code == 409
    assert "now, not v1" in stale.json()["detail"]
    assert out_of_range.status_code == 422
    # The refusals left no version behind: only the one applied.
    assert (detail["version"], detail["example_count"]) == (2, 6)


async def test_only_the_owner_or_an_admin_applies_a_threshold(sqlite_settings: Settings) -> None:
    await migrate(sqlite_settings)
    admins = await seed_dataset(sqlite_settings, scored_rows())
    editor = await add_user(sqlite_settings, Role.editor)
    own = await seed_dataset(sqlite_settings, scored_rows(), owner=editor)
    body = {"min_score": 5.0}
    async with client_as(sqlite_settings, Role.viewer) as viewer:
        as_viewer = await viewer.post(f"{API}/{admins}/threshold", json=body)
        read_by_viewer = await viewer.get(f"{API}/{admins}/threshold")
    async with client_as(sqlite_settings, Role.editor) as other:
        as_other_editor = await other.post(f"{API}/{own}/threshold", json=body)
        missing = await other.post(f"{API}/{uuid.uuid4()}/threshold", json=body)
    async with client_as(sqlite_settings) as admin:
        as_admin = await admin.post(f"{API}/{own}/threshold", json=body)
    assert (as_viewer.status_code, as_other_editor.status_code) == (403, 403)
    assert read_by_viewer.status_code == 200
    assert missing.status_code == 404
    assert as_admin.status_code == 200, as_admin.text
    assert as_admin.json()["affected"] == 2
