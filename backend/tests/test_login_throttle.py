"""Login throttling: failures lock accounts and addresses with growing back-off, successes never do,
and an unknown e-mail answers like a wrong password, in the same time."""

from __future__ import annotations

import asyncio
import logging
import statistics
import time

import httpx
import pytest

from app.auth.throttle import ACCOUNT, ADDRESS
from app.core.config import Settings
from tests.conftest import ADMIN_EMAIL, api_client, migrate

LOGIN = "/api/v1/auth/login"
PASSWORD = "correct horse battery staple"


async def attempt(client: httpx.AsyncClient, email: str, password: str) -> httpx.Response:
    return await client.post(LOGIN, json={"email": email, "password": password})


def test_the_lock_doubles_with_each_failure_past_the_free_ones() -> None:
    assert [ACCOUNT.lock_seconds(n) for n in range(1, 11)] == [0, 0, 0, 0, 0, 1, 2, 4, 8, 16]
    assert ACCOUNT.lock_seconds(60) == ACCOUNT.max_seconds == 900
    assert ADDRESS.lock_seconds(ADDRESS.free) == 0
    assert ADDRESS.lock_seconds(ADDRESS.free + 1) == 1


async def test_failed_logins_lock_the_account_then_it_opens_again(any_settings: Settings) -> None:
    await migrate(any_settings)
    async with api_client(any_settings) as client:
        failures = [await attempt(client, ADMIN_EMAIL, f"wrong {i}") for i in range(ACCOUNT.free + 1)]
        locked = await attempt(client, ADMIN_EMAIL, PASSWORD)  # even the right password waits
        await asyncio.sleep(int(locked.headers["Retry-After"]))
        opened = await attempt(client, ADMIN_EMAIL, PASSWORD)
        # The success cleared the account's count: the next wrong password is a plain 401 again.
        after = await attempt(client, ADMIN_EMAIL.upper(), "wrong again")
    assert [r.status_code for r in failures] == [401] * (ACCOUNT.free + 1)
    assert locked.status_code == 429
    assert locked.json()["error"] == "too_many_requests"
    assert locked.headers["Retry-After"] == "1"
    assert opened.status_code == 200, opened.text
    assert after.status_code == 401


async def test_the_lock_grows_exponentially(sqlite_settings: Settings) -> None:
    await migrate(sqlite_settings)
    async with api_client(sqlite_settings) as client:
        for i in range(ACCOUNT.free + 1):
            await attempt(client, ADMIN_EMAIL, f"wrong {i}")
        first = await attempt(client, ADMIN_EMAIL, "wrong")
        await asyncio.sleep(int(first.headers["Retry-After"]))
        assert (await attempt(client, ADMIN_EMAIL, "wrong")).status_code == 401
        second = await attempt(client, ADMIN_EMAIL, "wrong")
    assert (first.status_code, second.status_code) == (429, 429)
    assert (first.headers["Retry-After"], second.headers["Retry-After"]) == ("1", "2")


async def test_an_unknown_email_is_locked_like_a_known_one(any_settings: Settings) -> None:
    await migrate(any_settings)
    async with api_client(any_settings) as client:
        answers = [await attempt(client, "nobody@test.local", "guess") for _ in range(ACCOUNT.free + 2)]
    assert [r.status_code for r in answers] == [401] * (ACCOUNT.free + 1) + [429]
    assert answers[0].json() == {"error": "unauthorized", "detail": "wrong e-mail or password"}


async def test_one_address_guessing_many_accounts_is_locked(any_settings: Settings) -> None:
    await migrate(any_settings)
    async with api_client(any_settings) as client:
        guesses = [await attempt(client, f"user{i}@test.local", "guess") for i in range(ADDRESS.free + 1)]
        locked = await attempt(client, ADMIN_EMAIL, PASSWORD)
    assert {r.status_code for r in guesses} == {401}
    assert locked.status_code == 429
    assert int(locked.headers["Retry-After"]) >= 1


async def test_successful_logins_are_never_throttled(sqlite_settings: Settings) -> None:
    await migrate(sqlite_settings)
    async with api_client(sqlite_settings) as client:
        statuses = [
            (await attempt(client, ADMIN_EMAIL, PASSWORD)).status_code for _ in range(ADDRESS.free + 5)
        ]
    assert set(statuses) == {200}


async def test_unknown_and_known_emails_take_the_same_time(sqlite_settings: Settings) -> None:
    await migrate(sqlite_settings)

    async def timed(client: httpx.AsyncClient, email: str) -> float:
        started = time.perf_counter()
        assert (await attempt(client, email, "wrong")).status_code == 401
        return time.perf_counter() - started

    async with api_client(sqlite_settings) as client:
        known = [await timed(client, ADMIN_EMAIL) for _ in range(ACCOUNT.free)]
        unknown = [await timed(client, f"ghost{i}@test.local") for i in range(ACCOUNT.free)]
    # Both check one Argon2 hash; before, an unknown e-mail answered some 30 times faster.
    assert statistics.median(unknown) > 0.5 * statistics.median(known), (known, unknown)


async def test_logins_leave_an_audit_trail(
    sqlite_settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    await migrate(sqlite_settings)
    caplog.set_level(logging.INFO, logger="app.audit")
    async with api_client(sqlite_settings) as client:
        await attempt(client, ADMIN_EMAIL, "Hunter2-not-it")
        await attempt(client, ADMIN_EMAIL, PASSWORD)
    events = [r.getMessage().split()[0] for r in caplog.records if r.name == "app.audit"]
    assert events == ["login_failed", "login_succeeded"]
    assert "Hunter2" not in caplog.text  # the password is never logged
