"""Prompt set versions: appends and removals make new versions, every version stays readable, a job
answers the version it started on, sets are listed (paged) and deleted unless a job still answers them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import httpx

from app.core.config import Settings
from app.models import Role
from distillation.testing import FakeProviderServer
from tests.conftest import WorkerProcess, api_client, login, migrate
from tests.datasets.factories import client_as
from tests.jobs.jobkit import STUDENT, TEACHER, job_settings, wait_for
from tests.jobs.test_preference_job import PLAIN, asked, behaviour, preference
from tests.jobs.test_relabel_job import answers, judged, prompt_csv, relabel

API = "/api/v1/prompt-sets"
FIRST = ["Name a colour.", "Name a fruit.", "Name a planet."]


def _csv(*prompts: str) -> bytes:
    return ("prompt,topic\n" + "".join(f'"{p}",misc\n' if p else ",misc\n" for p in prompts)).encode()


async def _upload(client: httpx.AsyncClient, content: bytes) -> str:
    stored = await client.post(API, files={"file": ("p.csv", content)}, data={"name": "mine"})
    assert stored.status_code == 201, stored.text
    return str(stored.json()["prompt_set"]["id"])


async def _append(client: httpx.AsyncClient, set_id: str, content: bytes, **params: str) -> httpx.Response:
    return await client.post(f"{API}/{set_id}/prompts", files={"file": ("more.csv", content)}, params=params)


async def _texts(client: httpx.AsyncClient, set_id: str, version: int | None = None) -> list[str]:
    params: dict[str, Any] = {"limit": 100} | ({} if version is None else {"version": version})
    read = await client.get(f"{API}/{set_id}/prompts", params=params)
    assert read.status_code == 200, read.text
    return [prompt["messages"][-1]["content"] for prompt in read.json()]


async def test_appends_and_removals_make_versions_and_old_versions_stay_readable(
    any_settings: Settings,
) -> None:
    await migrate(any_settings)
    async with api_client(any_settings) as client:
        await login(client)
        set_id = await _upload(client, _csv(*FIRST))
        # "name a FRUIT." repeats a prompt of the set (fingerprints ignore case); line 4 has no prompt.
        more = _csv("Name a river.", "name a FRUIT.", "", "Name a mountain.", "Name a river.")
        refused = await _append(client, set_id, more)
        appended = await _append(client, set_id, more, on_error="skip")
        nothing_new = await _append(client, set_id, _csv("Name a colour."))
        removed = await client.post(f"{API}/{set_id}/prompts/remove", json={"positions": [0, 3]})
        gone = await client.post(f"{API}/{set_id}/prompts/remove", json={"positions": [0]})
        everything = await client.post(f"{API}/{set_id}/prompts/remove", json={"positions": [1, 2, 4]})
        read = (await client.get(f"{API}/{set_id}")).json()
        versions = (await client.get(f"{API}/{set_id}/versions")).json()
        paged = (await client.get(f"{API}/{set_id}/versions", params={"page": 2, "page_size": 2})).json()
        texts = {v: await _texts(client, set_id, v) for v in (1, 2, 3)}
        current = await _texts(client, set_id)
        no_version = await client.get(f"{API}/{set_id}/prompts", params={"version": 4})

    assert refused.status_code == 422
    assert [error["line"] for error in refused.json()["detail"]] == [4]
    assert appended.status_code == 201, appended.text
    body = appended.json()
    assert body["prompt_set"]["version"] == 2
    assert body["prompt_set"]["prompt_count"] == 5
    assert (body["already_in_set"], body["already_in_set_count"]) == ([3], 1)
    assert body["file"]["duplicates"] == [{"line": 6, "first_line": 2}]
    assert body["version"] | {"created_at": None} == {
        "number": 2,
        "reason": "appended 2 prompts",
        "prompt_count": 5,
        "added": 2,
        "removed": 0,
        "filename": "more.csv",
        "duplicate_count": 2,
        "error_count": 1,
        "created_at": None,
    }
    assert nothing_new.status_code == 400
    assert removed.status_code == 200, removed.text
    assert (removed.json()["version"]["number"], removed.json()["version"]["removed"]) == (3, 2)
    assert gone.status_code == 400
    assert "[0]" in gone.json()["detail"]
    assert everything.status_code == 400
    assert (read["version"], read["prompt_count"]) == (3, 3)
    assert [(v["number"], v["prompt_count"], v["added"], v["removed"]) for v in versions["items"]] == [
        (3, 3, 0, 2),
        (2, 5, 2, 0),
        (1, 3, 3, 0),
    ]
    assert versions["items"][2]["reason"] == "uploaded"
    assert (paged["total"], [v["number"] for v in paged["items"]]) == (3, [1])
    assert texts[1] == FIRST
    assert texts[2] == [*FIRST, "Name a river.", "Name a mountain."]
    assert texts[3] == current == ["Name a fruit.", "Name a planet.", "Name a mountain."]
    assert no_version.status_code == 404


async def test_a_job_answers_the_version_it_started_on(
    any_settings: Settings, start_worker: Callable[..., WorkerProcess]
) -> None:
    questions = [f"Question {i}: what is {i} plus {i}?" for i in range(5)]
    with FakeProviderServer(judged) as server:
        settings = job_settings(any_settings, server)
        await migrate(settings)
        async with api_client(settings) as client:
            await login(client)
            set_id = await _upload(client, prompt_csv(questions))
            started = await client.post("/api/v1/jobs/relabel", json=relabel(set_id))
            assert started.status_code == 201, started.text
            # No worker yet: the set changes before any prompt is answered.
            appended = await _append(
                client, set_id, prompt_csv(["Version two, first.", "Version two, second."])
            )
            removed = await client.post(f"{API}/{set_id}/prompts/remove", json={"positions": [0]})
            busy = await client.delete(f"{API}/{set_id}")
            on_v1 = await client.post("/api/v1/jobs/relabel", json=relabel(set_id, prompt_set_version=1))
            no_v9 = await client.post("/api/v1/jobs/relabel", json=relabel(set_id, prompt_set_version=9))
            start_worker(settings, "--beat")
            job = await wait_for(client, started.json()["id"], ("completed", "failed"))
            second = await wait_for(client, on_v1.json()["id"], ("completed", "failed"))
            deleted = await client.delete(f"{API}/{set_id}")
            after = await client.get(f"{API}/{set_id}")

    assert appended.status_code == 201
    assert removed.status_code == 200
    assert busy.status_code == 409
    assert started.json()["id"] in busy.json()["detail"]
    assert job["status"] == "completed", job
    assert (job["config"]["prompt_set_version"], job["requested"], job["accepted"]) == (1, 5, 5)
    assert (second["config"]["prompt_set_version"], second["requested"]) == (1, 5)
    # Both jobs answered exactly version 1's prompts (the second from the shared cache): the removed
    # prompt was answered, the appended one never asked.
    assert answers(server) == Counter(dict.fromkeys(questions, 1))
    assert no_v9.status_code == 404
    assert (deleted.status_code, after.status_code) == (204, 404)


async def test_sets_are_listed_for_their_owner_and_deleted(any_settings: Settings) -> None:
    await migrate(any_settings)
    async with client_as(any_settings) as admin:
        admins = [await _upload(admin, _csv(f"Admin prompt {i}.")) for i in range(2)]
    async with client_as(any_settings, Role.editor) as editor:
        own = await _upload(editor, _csv("Editor prompt."))
        mine = (await editor.get(API)).json()
        others = await editor.delete(f"{API}/{admins[0]}")
        append_others = await _append(editor, admins[0], _csv("Sneaky."))
    async with client_as(any_settings, Role.viewer) as viewer:
        seen = (await viewer.get(API)).json()
        refused = await viewer.delete(f"{API}/{own}")
    async with client_as(any_settings) as admin:
        everyone = (await admin.get(API, params={"page_size": 2})).json()
        second = (await admin.get(API, params={"page_size": 2, "page": 2})).json()
        deleted = await admin.delete(f"{API}/{own}")
        versions = await admin.get(f"{API}/{own}/versions")
        left = (await admin.get(API)).json()

    assert [s["id"] for s in mine["items"]] == [own]
    assert mine["total"] == 1
    assert mine["items"][0]["version"] == 1
    assert (others.status_code, append_others.status_code) == (404, 404)
    assert seen["total"] == 0
    assert refused.status_code == 403
    assert (everyone["total"], len(everyone["items"]), len(second["items"])) == (3, 2, 1)
    assert {s["id"] for s in everyone["items"] + second["items"]} == {own, *admins}
    assert (deleted.status_code, versions.status_code) == (204, 404)
    assert {s["id"] for s in left["items"]} == set(admins)


async def test_a_preference_job_answers_the_version_it_started_on(
    sqlite_settings: Settings, start_worker: Callable[..., WorkerProcess]
) -> None:
    plain = PLAIN[:4]
    with FakeProviderServer(behaviour) as server:
        settings = job_settings(sqlite_settings, server)
        await migrate(settings)
        async with api_client(settings) as client:
            await login(client)
            set_id = await _upload(client, prompt_csv(plain))
            older = await client.post(f"{API}/{set_id}/prompts/remove", json={"positions": [3]})
            started = await client.post(
                "/api/v1/jobs/preference", json=preference(set_id, prompt_set_version=1)
            )
            assert started.status_code == 201, started.text
            # No worker yet: the set changes again before any prompt is answered.
            await _append(client, set_id, prompt_csv(["Name a colour, of version three."]))
            start_worker(settings, "--beat")
            job = await wait_for(client, started.json()["id"], ("completed", "failed"))

    assert older.status_code == 200
    assert job["status"] == "completed", job
    assert (job["config"]["prompt_set_version"], job["requested"]) == (1, 4)
    teacher, student = TEACHER.split(":", 1)[1], STUDENT.split(":", 1)[1]
    assert asked(server) == Counter({(m, p): 1 for p in plain for m in (teacher, student)})
