"""The review queue over HTTP: rows one at a time, decisions per reviewer, progress, one new version."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from app.core.config import Settings
from app.models import Role
from tests.conftest import migrate
from tests.datasets.factories import add_user, chat, client_as, example, seed_dataset

API = "/api/v1/datasets"


async def next_row(
    client: httpx.AsyncClient, dataset_id: uuid.UUID, after: int | None = None
) -> dict[str, Any]:
    params = {"after": after} if after is not None else {}
    response = await client.get(f"{API}/{dataset_id}/review/next", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def decide(
    client: httpx.AsyncClient, dataset_id: uuid.UUID, example_id: str, status: str, **fields: Any
) -> httpx.Response:
    return await client.put(f"{API}/{dataset_id}/review/{example_id}", json={"status": status, **fields})


async def test_next_walks_the_rows_in_order_skipping_decided_ones(any_settings: Settings) -> None:
    await migrate(any_settings)
    dataset_id = await seed_dataset(
        any_settings, [example(0, score=8.5), example(1), example(2, removed_in=1)]
    )
    async with client_as(any_settings, Role.editor) as client:
        first = await next_row(client, dataset_id)
        skipped = await next_row(client, dataset_id, after=first["example"]["position"])
        past_the_end = await next_row(client, dataset_id, after=skipped["example"]["position"])
        decided = await decide(
            client, dataset_id, first["example"]["id"], "accepted", comment="fine", rating=4
        )
        after_decision = await next_row(client, dataset_id)
    assert (first["version"], first["pending"]) == (1, 2)
    assert (first["example"]["item_key"], first["example"]["score"]) == ("k0000", 8.5)
    assert skipped["example"]["item_key"] == "k0001"
    assert past_the_end["example"] is None
    assert decided.status_code == 200, decided.text
    assert {k: decided.json()[k] for k in ("item_key", "status", "comment", "rating", "applied_in")} == {
        "item_key": "k0000",
        "status": "accepted",
        "comment": "fine",
        "rating": 4,
        "applied_in": None,
    }
    assert (after_decision["pending"], after_decision["example"]["item_key"]) == (1, "k0001")


async def test_decisions_are_per_reviewer_and_progress_counts_them(any_settings: Settings) -> None:
    await migrate(any_settings)
    dataset_id = await seed_dataset(any_settings, 4)
    async with client_as(any_settings) as admin, client_as(any_settings, Role.editor) as editor:
        rows = (await admin.get(f"{API}/{dataset_id}/examples")).json()["items"]
        await decide(admin, dataset_id, rows[0]["id"], "accepted")
        await decide(admin, dataset_id, rows[1]["id"], "rejected")
        await decide(admin, dataset_id, rows[2]["id"], "accepted")
        taken_back = await admin.delete(f"{API}/{dataset_id}/review/{rows[2]['id']}")
        as_pending = await decide(admin, dataset_id, rows[2]["id"], "pending")
        await decide(editor, dataset_id, rows[1]["id"], "accepted")  # later: the row's latest decision
        editors_next = await next_row(editor, dataset_id)
        progress = (await admin.get(f"{API}/{dataset_id}/review/progress")).json()
    assert (taken_back.status_code, as_pending.status_code) == (204, 400)
    assert editors_next["pending"] == 3
    assert editors_next["example"]["item_key"] == "k0000"
    assert {
        k: progress[k] for k in ("version", "example_count", "pending", "accepted", "rejected", "edited")
    } == {
        "version": 1,
        "example_count": 4,
        "pending": 2,
        "accepted": 2,
        "rejected": 0,
        "edited": 0,
    }
    assert progress["to_apply"] == 0
    counts = sorted((r["email"].split("-")[0], r["accepted"], r["rejected"]) for r in progress["reviewers"])
    assert counts[0][1:] == (1, 1)  # the admin: one accepted, one rejected
    assert counts[1] == ("editor", 1, 0)


async def test_apply_removes_rejected_and_replaces_edited_rows_in_one_version(any_settings: Settings) -> None:
    await migrate(any_settings)
    dataset_id = await seed_dataset(any_settings, 4)
    fixed = chat("question 2", "a better answer")
    async with client_as(any_settings) as client:
        rows = (await client.get(f"{API}/{dataset_id}/examples")).json()["items"]
        await decide(client, dataset_id, rows[0]["id"], "accepted")
        await decide(client, dataset_id, rows[1]["id"], "rejected", comment="off topic")
        edited = await decide(client, dataset_id, rows[2]["id"], "edited", messages=fixed)
        before = (await client.get(f"{API}/{dataset_id}/review/progress")).json()
        applied = await client.post(f"{API}/{dataset_id}/review/apply", json={"version": 1})
        current = (await client.get(f"{API}/{dataset_id}/examples")).json()["items"]
        versions = (await client.get(f"{API}/{dataset_id}/versions")).json()["items"]
        after = (await client.get(f"{API}/{dataset_id}/review/progress")).json()
        again = await client.post(f"{API}/{dataset_id}/review/apply", json={})
        pending = await next_row(client, dataset_id)
    assert edited.status_code == 200, edited.text
    assert before["to_apply"] == 2
    assert applied.status_code == 200, applied.text
    assert applied.json() == {"version": 2, "affected": 2, "example_count": 3}
    assert [(e["item_key"], e["messages"][-1]["content"], e["added_in"]) for e in current] == [
        ("k0000", "answer 0", 1),
        ("k0002", "a better answer", 2),
        ("k0003", "answer 3", 1),
    ]
    assert (versions[0]["number"], versions[0]["reason"]) == (
        2,
        "review: 1 rejected row(s) removed, 1 edited",
    )
    # The edited row keeps its decision; only the untouched row is left to review.
    assert {k: after[k] for k in ("version", "pending", "accepted", "rejected", "edited", "to_apply")} == {
        "version": 2,
        "pending": 1,
        "accepted": 1,
        "rejected": 0,
        "edited": 1,
        "to_apply": 0,
    }
    assert again.status_code == 409
    assert again.json()["detail"] == "no decision to reject, edit or relabel a row of v2; nothing to apply"
    assert pending["example"]["item_key"] == "k0003"


async def test_a_stale_version_or_a_changed_row_is_refused(any_settings: Settings) -> None:
    await migrate(any_settings)
    dataset_id = await seed_dataset(any_settings, 3)
    async with client_as(any_settings) as client:
        rows = (await client.get(f"{API}/{dataset_id}/examples")).json()["items"]
        await decide(client, dataset_id, rows[0]["id"], "rejected")
        # Someone removes a row outside the review: the dataset moves to v2.
        await client.delete(f"{API}/{dataset_id}/examples/{rows[2]['id']}")
        on_removed = await decide(client, dataset_id, rows[2]["id"], "accepted")
        stale = await client.post(f"{API}/{dataset_id}/review/apply", json={"version": 1})
        detail = (await client.get(f"{API}/{dataset_id}")).json()
    assert on_removed.status_code == 409
    assert stale.status_code == 409
    assert "now, not v1" in stale.json()["detail"]
    assert (detail["version"], detail["example_count"]) == (2, 2)


async def test_bad_decisions_are_refused(sqlite_settings: Settings) -> None:
    await migrate(sqlite_settings)
    dataset_id = await seed_dataset(sqlite_settings, 1)
    async with client_as(sqlite_settings) as client:
        row = (await client.get(f"{API}/{dataset_id}/examples")).json()["items"][0]["id"]
        no_messages = await decide(client, dataset_id, row, "edited")
        messages_on_accept = await decide(client, dataset_id, row, "accepted", messages=chat("q", "a"))
        bad_chat = await decide(
            client, dataset_id, row, "edited", messages=[{"role": "user", "content": "q", "weight": 1}]
        )
        bad_rating = await decide(client, dataset_id, row, "accepted", rating=6)
        missing = await decide(client, dataset_id, str(uuid.uuid4()), "accepted")
    assert (no_messages.status_code, messages_on_accept.status_code) == (400, 400)
    # Checked like an edit in the browser: a user turn carries no training weight.
    assert (bad_chat.status_code, bad_chat.json()["error"]) == (422, "invalid_content")
    assert bad_rating.status_code == 422
    assert missing.status_code == 404


async def test_viewers_cannot_decide_and_only_owners_or_admins_apply(sqlite_settings: Settings) -> None:
    await migrate(sqlite_settings)
    admins = await seed_dataset(sqlite_settings, 2)
    async with client_as(sqlite_settings, Role.viewer) as viewer:
        row = (await viewer.get(f"{API}/{admins}/examples")).json()["items"][0]["id"]
        read = await next_row(viewer, admins)
        as_viewer = await decide(viewer, admins, row, "rejected")
        viewer_apply = await viewer.post(f"{API}/{admins}/review/apply", json={})
    async with client_as(sqlite_settings, Role.editor) as editor:
        # An editor reviews any dataset, but applies only their own.
        as_editor = await decide(editor, admins, row, "rejected")
        editor_apply = await editor.post(f"{API}/{admins}/review/apply", json={})
    async with client_as(sqlite_settings) as admin:
        admin_apply = await admin.post(f"{API}/{admins}/review/apply", json={})
    assert read["example"]["id"] == row
    assert (as_viewer.status_code, viewer_apply.status_code) == (403, 403)
    assert as_editor.status_code == 200, as_editor.text
    assert editor_apply.status_code == 403
    assert admin_apply.status_code == 200, admin_apply.text
    assert admin_apply.json()["example_count"] == 1
    assert await add_user(sqlite_settings, Role.viewer)  # the users table still takes new users
