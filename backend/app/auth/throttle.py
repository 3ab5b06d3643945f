"""Login throttling: failed logins lock an account, and a client address, for exponentially longer.

Only failures count, so people and test suites that log in often from one address are never slowed.
Each e-mail address (known or not, so a lock says nothing about whether an account exists) and each
client address has a counter: past its free failures, every further failure locks it for twice as
long as the one before (1 s, 2 s, 4 s ... at most 15 minutes). A lock answers 429 with ``Retry-After``
before any password is checked. A success clears the account's counter; the address's counter runs
out after a quiet window, so one valid login cannot reset the count of an address guessing others.

The counters live in Redis when the installation has one (every API process sees the same counts)
and in the ``login_throttles`` table otherwise, written in a transaction of their own: the request's
own transaction is rolled back with the 401.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final, Protocol

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.auth.repository import LoginThrottleRepository
from app.core.config import Settings
from app.models.base import utcnow


@dataclass(frozen=True, slots=True)
class Policy:
    """How failures of one kind of key turn into locks.

    Attributes:
        free: Failures allowed before the first lock.
        base_seconds: The first lock's length; each further failure doubles it.
        max_seconds: The longest lock.
        window_seconds: Failures are forgotten after this long without a new one.
    """

    free: int
    base_seconds: int = 1
    max_seconds: int = 900
    window_seconds: int = 900

    def lock_seconds(self, failures: int) -> int:
        """How long the ``failures``-th failure in a row locks the key (0: not at all)."""
        if failures <= self.free:
            return 0
        doublings: int = min(failures - self.free - 1, 30)
        return min(self.max_seconds, self.base_seconds << doublings)


ACCOUNT: Final = Policy(free=5)
# One address can be a whole office behind NAT: more room before the first lock.
ADDRESS: Final = Policy(free=20)


def account_key(email: str) -> str:
    """The counter of an e-mail address, case-folded as logins match it."""
    return f"account:{email.strip().lower()}"


def address_key(address: str) -> str:
    """The counter of a client address."""
    return f"address:{address}"


class ThrottleStore(Protocol):
    """Where the counters live."""

    async def retry_after(self, keys: list[str]) -> int:
        """Seconds until none of ``keys`` is locked (0: none is)."""

    async def failed(self, key: str, policy: Policy) -> int:
        """Count a failure of ``key``; returns the lock it now has, in seconds."""

    async def clear(self, key: str) -> None:
        """Forget the failures of ``key``."""

    async def close(self) -> None:
        """Release connections."""


class RedisThrottleStore:
    """Counters in Redis: ``throttle:fail:<key>`` counts, ``throttle:lock:<key>`` expires with the lock."""

    def __init__(self, url: str) -> None:
        self._redis = Redis.from_url(url)

    async def retry_after(self, keys: list[str]) -> int:
        """Seconds until none of ``keys`` is locked."""
        async with self._redis.pipeline(transaction=False) as pipe:
            for key in keys:
                pipe.pttl(f"throttle:lock:{key}")
            remaining = await pipe.execute()
        return max((math.ceil(ms / 1000) for ms in remaining if ms > 0), default=0)

    async def failed(self, key: str, policy: Policy) -> int:
        """Count a failure (atomically: INCR) and set the lock it earns."""
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.incr(f"throttle:fail:{key}")
            pipe.expire(f"throttle:fail:{key}", policy.window_seconds)
            failures, _ = await pipe.execute()
        seconds = policy.lock_seconds(int(failures))
        if seconds:
            await self._redis.set(f"throttle:lock:{key}", 1, ex=seconds)
        return seconds

    async def clear(self, key: str) -> None:
        """Forget the failures of ``key``."""
        await self._redis.delete(f"throttle:fail:{key}", f"throttle:lock:{key}")

    async def close(self) -> None:
        """Close the connection pool."""
        await self._redis.aclose()


class DatabaseThrottleStore:
    """Counters in the ``login_throttles`` table, each change committed in a session of its own."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self._sessionmaker = sessionmaker

    async def retry_after(self, keys: list[str]) -> int:
        """Seconds until none of ``keys`` is locked."""
        async with self._sessionmaker() as session:
            until = await LoginThrottleRepository(session).locked_until(keys)
        return _seconds_until(until, utcnow())

    async def failed(self, key: str, policy: Policy) -> int:
        """Count a failure and set the lock it earns."""
        now = utcnow()
        async with self._sessionmaker() as session, session.begin():
            row = await LoginThrottleRepository(session).for_update(key, now)
            quiet = now - row.last_failure_at > timedelta(seconds=policy.window_seconds)
            row.failures = 1 if quiet else row.failures + 1
            row.last_failure_at = now
            seconds = policy.lock_seconds(row.failures)
            row.locked_until = now + timedelta(seconds=seconds) if seconds else None
        return seconds

    async def clear(self, key: str) -> None:
        """Forget the failures of ``key``."""
        async with self._sessionmaker() as session, session.begin():
            await LoginThrottleRepository(session).forget(key)

    async def close(self) -> None:
        """Nothing to release: the sessions come from the app's engine."""


def _seconds_until(until: datetime | None, now: datetime) -> int:
    return max(0, math.ceil((until - now).total_seconds())) if until is not None else 0


def create_store(settings: Settings, sessionmaker: async_sessionmaker[AsyncSession]) -> ThrottleStore:
    """Redis when the installation has one, the database otherwise."""
    if settings.redis_url:
        return RedisThrottleStore(settings.redis_url)
    return DatabaseThrottleStore(sessionmaker)
