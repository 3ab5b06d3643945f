"""Rate limits (requests and tokens per window) and the adaptive concurrency cap.

Limits are sliding windows over a log of (time, cost) entries: exact (no 2x bursts at window
edges, unlike fixed windows or full token buckets) and O(1) amortized per request even for token
costs in the millions, because each request is one entry carrying its cost. `MemoryLimiter` keeps
the log in the process; `RedisLimiter` (distillation.providers.redis_limiter) keeps the same log in
Redis so that every worker shares one budget.
"""

from __future__ import annotations

import asyncio
import math
import random
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from distillation.providers.types import Outcome

# One cost of a request: (window name, limit, cost), or with a 4th element its own window in seconds
# (else the `period_s` passed along with it).
Part = tuple[str, int, int] | tuple[str, int, int, float]


# The limiter holds each slot 2% longer than the provider's window: a request reaches the provider a
# little after the limiter grants it (a cold connection, a busy CPU), and a provider window that
# began with such a late arrival would otherwise also hold the first requests of the next window.
WINDOW_MARGIN = 0.02


def part_period(part: Part, period_s: float) -> float:
    """The window of one part: its own when it names one, else `period_s`."""
    return part[3] if len(part) == 4 else period_s


@dataclass(frozen=True)
class RateLimit:
    """Limits for one provider/model (or one account, through `key`).

    A limit left `None` is learned from the provider's rate-limit headers (see `LLMClient.limits`);
    one that is set always wins over what the provider reports.

    Attributes:
        requests_per_minute: Requests allowed per window (`None`: unlimited until learned).
        tokens_per_minute: Tokens (input + output) allowed per window; each request reserves its
            estimated input tokens plus `max_tokens`, as providers count them.
        max_concurrency: Cap on requests in flight in this process. With a requests or tokens limit
            known, the cap in use is the smaller one that Little's law needs to reach it (see
            `littles_law_cap`).
        min_concurrency: Floor of the adaptive cap.
        adaptive: Halve the cap on capacity signals and recover additively (see `AdaptiveConcurrency`).
        period_s: Window length; 60 for per-minute limits (tests shrink it).
        key: Limiter key override; defaults to the "provider:model" id.
        smoothing: The requests limit also holds, pro rata, over every 1/smoothing of the window
            (600 a minute: at most 60 in any 6 s), so a full window is never sent in one burst:
            a burst reaches the provider spread by the sender's own delays, which can put more of it
            into the provider's window than the limiter granted, and providers enforce limits over
            shorter spans too. 1 turns it off.
    """

    requests_per_minute: int | None = None
    tokens_per_minute: int | None = None
    max_concurrency: int = 64
    min_concurrency: int = 1
    adaptive: bool = True
    period_s: float = 60.0
    key: str | None = None
    smoothing: int = 10

    def __post_init__(self) -> None:
        if not 1 <= self.min_concurrency <= self.max_concurrency:
            raise ValueError("need 1 <= min_concurrency <= max_concurrency")
        if self.period_s <= 0:
            raise ValueError("period_s must be positive")
        if self.smoothing < 1:
            raise ValueError("smoothing must be at least 1")

    @property
    def window_s(self) -> float:
        """The window the limiter counts: `period_s` and a 2% margin (see `WINDOW_MARGIN`)."""
        return self.period_s * (1 + WINDOW_MARGIN)

    def costs(self, tokens: int) -> list[Part]:
        """The (name, limit, cost[, window]) parts one request takes."""
        parts: list[Part] = []
        if self.requests_per_minute is not None:
            rpm, share = self.requests_per_minute, self.smoothing
            parts.append(("req", rpm, 1))
            if share > 1 and rpm >= 2 * share:  # a share of at least two requests; finer pacing is left out
                parts.append(("req-smooth", math.ceil(rpm / share), 1, self.window_s / share))
        if self.tokens_per_minute is not None:
            parts.append(("tok", self.tokens_per_minute, max(1, tokens)))
        return parts


class Limiter(Protocol):
    """Shared rate-limit storage (in-process or Redis): windows, pauses and learned limits."""

    async def try_acquire(self, key: str, parts: Sequence[Part], period_s: float) -> float:
        """Takes every cost if all fit and `key` is not paused; 0.0 when granted, else the seconds to wait.

        With no parts it only checks the pause.
        """
        ...

    async def pause(self, key: str, seconds: float) -> None:
        """Holds every send of `key` for `seconds` (a pause already longer is kept)."""
        ...

    async def publish_learned(self, key: str, info: dict[str, int]) -> None:
        """Records the limits learned from a provider's headers ({"rpm": ..., "tpm": ...}) for `key`."""
        ...

    async def learned(self, key: str) -> dict[str, int] | None:
        """The limits last published for `key` ("rpm", "tpm", "updated_at" in unix seconds), or None."""
        ...


async def acquire(limiter: Limiter, key: str, rate: RateLimit, tokens: int) -> float:
    """Waits until `rate` allows one request of `tokens` tokens and `key` is not paused.

    Returns the seconds waited.
    """
    parts = rate.costs(tokens)
    started = time.monotonic()
    while True:
        wait = await limiter.try_acquire(key, parts, rate.window_s)
        if wait <= 0:
            return time.monotonic() - started
        # Polling a shared store (Redis) has no event to wait on; jitter keeps waiters woken by the
        # same expiry from racing at once.
        await asyncio.sleep(wait + random.uniform(0.0, min(0.05, wait)))


class _Window:
    __slots__ = ("entries", "used")

    def __init__(self) -> None:
        self.entries: deque[tuple[float, int]] = deque()
        self.used = 0

    def wait_for(self, now: float, period: float, limit: int, cost: int) -> float:
        while self.entries and self.entries[0][0] <= now - period:
            self.used -= self.entries.popleft()[1]
        need = self.used + min(cost, limit) - limit
        if need <= 0:
            return 0.0
        freed = 0
        for stamp, amount in self.entries:
            freed += amount
            if freed >= need:
                return stamp + period - now
        return period  # unreachable while used == sum(entries); kept as a safe bound

    def take(self, now: float, cost: int) -> None:
        self.entries.append((now, cost))
        self.used += cost


class MemoryLimiter:
    """In-process sliding-window limiter (the default)."""

    def __init__(self) -> None:
        self._windows: dict[tuple[str, str], _Window] = {}
        self._paused: dict[str, float] = {}  # key -> monotonic time the pause ends
        self._learned: dict[str, dict[str, int]] = {}

    async def try_acquire(self, key: str, parts: Sequence[Part], period_s: float) -> float:
        """See `Limiter.try_acquire`."""
        now = time.monotonic()
        if self._paused:
            until = self._paused.get(key, 0.0)
            if until > now:
                return until - now
            self._paused.pop(key, None)
        if not parts:
            return 0.0
        windows = [self._windows.setdefault((key, part[0]), _Window()) for part in parts]
        wait = max(
            w.wait_for(now, part_period(p, period_s), p[1], p[2]) for w, p in zip(windows, parts, strict=True)
        )
        if wait > 0:
            return wait
        for window, part in zip(windows, parts, strict=True):
            window.take(now, min(part[2], part[1]))
        return 0.0

    async def pause(self, key: str, seconds: float) -> None:
        """See `Limiter.pause`."""
        if seconds > 0:
            until = time.monotonic() + seconds
            self._paused[key] = max(until, self._paused.get(key, 0.0))

    async def publish_learned(self, key: str, info: dict[str, int]) -> None:
        """See `Limiter.publish_learned`."""
        self._learned[key] = {**info, "updated_at": int(time.time())}

    async def learned(self, key: str) -> dict[str, int] | None:
        """See `Limiter.learned`."""
        found = self._learned.get(key)
        return dict(found) if found is not None else None


DEFAULT_LIMITER = MemoryLimiter()


# Little's law: in flight = arrival rate x time in the system; the margin covers latency spread.
LITTLE_MARGIN = 1.2


def littles_law_cap(
    rate: RateLimit,
    requests_per_minute: int | None,
    tokens_per_minute: int | None,
    latency_s: float | None,
    tokens_per_request: float | None,
) -> int:
    """The in-flight cap that reaches the known limits at the observed latency, within the rate's bounds.

    A limit of R requests per window of P seconds at a latency of L seconds needs R/P × L requests in
    flight (Little's law); 20% more covers the spread of latencies. A tokens limit T gives
    T/P ÷ (tokens per request) × L likewise; the smaller of the two wins. With no limit known, or no
    latency observed yet, the cap is `max_concurrency` (the limiter still spaces the sends).

    Example:
        >>> littles_law_cap(RateLimit(), 600, None, latency_s=2.0, tokens_per_request=None)
        24
    """
    if latency_s is None or latency_s <= 0:
        return rate.max_concurrency
    needs: list[float] = []
    if requests_per_minute is not None:
        needs.append(requests_per_minute / rate.period_s * latency_s)
    if tokens_per_minute is not None and tokens_per_request:
        needs.append(tokens_per_minute / rate.period_s / tokens_per_request * latency_s)
    if not needs:
        return rate.max_concurrency
    cap = math.ceil(min(needs) * LITTLE_MARGIN)
    return max(rate.min_concurrency, min(rate.max_concurrency, cap))


# "Repeated 429s across the window": more than this share of the last `RECENT_WINDOW` answers.
RECENT_WINDOW = 50
RECENT_429_SHARE = 0.3
# How far a capacity signal cuts the cap. A capacity signal says we are just past what the provider
# takes, so the cap steps back 15% rather than halving: against a server taking 32 at once, halving
# (TCP Reno's 0.5) averaged ~75% of its capacity, 0.85 keeps ~90% with ~1% of requests refused. A
# provider whose capacity fell a long way signals again at the next cohort, and each cuts 15% more.
DECREASE = 0.85


class AdaptiveConcurrency:
    """A semaphore whose size shrinks 15% on capacity signals and grows by one per window of successes (AIMD).

    Only capacity signals shrink the cap: an answer marked `capacity_exhausted` (a 429 whose
    rate-limit headers show a limit used up, a 503/529 "overloaded"), or a 429 when more than 30% of
    the last 50 answers were 429s. A lone 429 with capacity left in its headers, or with none, says
    "retry after Retry-After", not "send less": providers throw such 429s even far below their
    limits, and cutting the cap on each of them pinned it near its floor (10% random 429s held 64
    in flight to 4-5). With 10% random 429s, 16 or more in 50 happen about once in 200 runs of 2,000
    requests; a provider refusing half of what we send gets there within a few dozen answers.

    Only the first signal among requests started under the current cap cuts it again (by `DECREASE`):
    a burst of 429s from one cohort of in-flight requests counts as one congestion signal, as in TCP.
    A cut forgets the recent answers, so the next decision is about the new cap.

    `set_ceiling` lowers (or raises, up to `max_limit`) the most the cap may grow to: the client sets it
    to what Little's law needs for the known rate limits, and AIMD works below it.
    """

    def __init__(self, max_limit: int, min_limit: int = 1, adaptive: bool = True) -> None:
        self._max, self._min, self._adaptive = max_limit, min_limit, adaptive
        self._ceiling = max_limit
        self._limit = float(max_limit)
        self._in_flight = 0
        self._epoch = 0
        self._waiters: deque[asyncio.Future[None]] = deque()
        self._recent: deque[bool] = deque(maxlen=RECENT_WINDOW)  # True: a 429
        self._recent_429s = 0

    @property
    def limit(self) -> int:
        """The current cap."""
        return max(self._min, int(self._limit))

    @property
    def ceiling(self) -> int:
        """The most the cap may grow to (`max_limit` unless `set_ceiling` lowered it)."""
        return self._ceiling

    def set_ceiling(self, ceiling: int) -> None:
        """Bounds the cap by `ceiling` (kept within [min_limit, max_limit]).

        A lower ceiling lowers the cap at once; a higher one lets it grow back (at once when adaptation
        is off, additively otherwise, unless the cap was only held down by the old ceiling).
        """
        ceiling = max(self._min, min(self._max, ceiling))
        if ceiling == self._ceiling:
            return
        was_at_ceiling = self._limit >= self._ceiling
        self._ceiling = ceiling
        if self._limit > ceiling or was_at_ceiling or not self._adaptive:
            self._limit = float(ceiling)
        self._wake()

    @property
    def in_flight(self) -> int:
        """Requests holding a slot."""
        return self._in_flight

    async def acquire(self) -> int:
        """Waits for a slot; returns the epoch to hand back to `release`."""
        if self._in_flight < self.limit and not self._waiters:
            self._in_flight += 1
            return self._epoch
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(future)
        try:
            await future
        except asyncio.CancelledError:
            if future.done() and not future.cancelled():
                self._in_flight -= 1  # the slot was handed over just as we were cancelled
                self._wake()
            raise
        return self._epoch

    def release(self, epoch: int, outcome: Outcome, *, capacity_exhausted: bool = False) -> None:
        """Frees a slot and adapts the cap to how the attempt ended.

        Args:
            epoch: What `acquire` returned.
            outcome: How the attempt ended.
            capacity_exhausted: The provider's answer was a capacity signal (see the class).
        """
        self._in_flight -= 1
        if outcome is not Outcome.CANCELLED:
            self._remember(outcome is Outcome.RATE_LIMITED)
        congested = capacity_exhausted or (
            outcome is Outcome.RATE_LIMITED and self._recent_429s > RECENT_429_SHARE * RECENT_WINDOW
        )
        if self._adaptive and congested and epoch == self._epoch:
            self._limit = max(float(self._min), self._limit * DECREASE)
            self._epoch += 1
            self._recent.clear()
            self._recent_429s = 0
        elif self._adaptive and outcome is Outcome.OK and self._limit < self._ceiling:
            self._limit = min(float(self._ceiling), self._limit + 1 / self._limit)
        self._wake()

    def _remember(self, rate_limited: bool) -> None:
        if len(self._recent) == self._recent.maxlen and self._recent[0]:
            self._recent_429s -= 1
        self._recent.append(rate_limited)
        self._recent_429s += rate_limited

    def _wake(self) -> None:
        while self._waiters and self._in_flight < self.limit:
            future = self._waiters.popleft()
            if not future.done():
                self._in_flight += 1
                future.set_result(None)
