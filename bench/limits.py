"""Bench lines (e) and (d): limits honoured across worker processes, and capacity 429s.

(e) **Limits honoured.** ``WORKERS`` worker processes share one ``RedisLimiter`` and send to one fake
    server with ``RateLimit(requests_per_minute=LIMIT, period_s=PERIOD_S)`` set: 600 requests per
    60 s, ``WINDOWS`` windows' worth (about two minutes). PASS when no window of ``PERIOD_S`` at the
    server (its recorded arrival times) holds more than the limit, and every request is answered.
    ``python -m bench limits --quick`` shrinks the window tenfold, to 60 requests per 6 s: the same 10
    requests a second and the same sliding-window arithmetic, in seconds instead of minutes. It is
    harsher than the real shape: a request reaches the server some time after the limiter granted it
    (up to 0.4 s on a loaded 2-core machine), which the limiter's 2% margin on the window
    (``WINDOW_MARGIN``) covers in 60 s (1.2 s) but not in 6 s (0.12 s). The window checked is
    ``PERIOD_S`` less 50 ms (loopback jitter); the strict count is printed too.
(d) **Capacity 429s.** The fake server refuses above ``CAPACITY`` requests in flight with a 429 and
    ``x-ratelimit-remaining-requests: 0``; one client with 64 allowed in flight sends ``D_REQUESTS``
    requests at 200 ± 50 ms. PASS when its rate is at least 90% of ``CAPACITY / latency`` and fewer
    than 5% of the requests after the first 5 s are answered 429.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from distillation.providers import ChatRequest, RateLimit, RedisLimiter, get_model
from distillation.testing import Behavior, FakeProviderServer, ServerLimits, jittered

WORKERS = 4
LIMIT, PERIOD_S = 600, 60.0
QUICK = 10  # --quick divides the limit and the window by this
WINDOWS = 2  # requests: this many windows' worth, so the window slides past a full one
SLACK_S = 0.05
LATENCY, JITTER = 0.2, 0.05
CAPACITY, D_REQUESTS, D_WARMUP_S = 32, 3_000, 5.0
MODEL = "openai:fake-model"


def redis_url() -> str:
    """The Redis the workers share (``BENCH_REDIS_URL``; database 0 of the local server by default)."""
    return os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")


@dataclass(frozen=True)
class LimitsResult:
    requests: int
    answered: int
    seconds: float
    most_in_window: int
    most_in_window_strict: int
    limit: int
    period_s: float

    @property
    def passed(self) -> bool:
        return self.answered == self.requests and self.most_in_window <= self.limit


def max_in_window(times: Sequence[float], window: float) -> int:
    """The most events inside any half-open window of the given length."""
    ordered, most, start = sorted(times), 0, 0
    for end, t in enumerate(ordered):
        while ordered[start] <= t - window:
            start += 1
        most = max(most, end - start + 1)
    return most


def limits_run(limit: int = LIMIT, period_s: float = PERIOD_S, workers: int = WORKERS) -> LimitsResult:
    """Line (e): ``workers`` processes, one Redis limiter, one fake server in this process."""
    key = f"bench-limits-{uuid.uuid4().hex}"
    per_worker = limit * WINDOWS // workers
    script = jittered(LATENCY, JITTER, seed=4)
    server_limits = ServerLimits(requests=limit, period_s=period_s, enforce=False)
    with FakeProviderServer(script, default=Behavior(latency=LATENCY), limits=server_limits) as server:
        worker = [sys.executable, "-m", "bench.limits", "--worker", server.openai_base_url, redis_url(), key]
        started = time.monotonic()
        procs = [
            subprocess.Popen(
                [*worker, str(n), str(per_worker), str(limit), str(period_s)],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for n in range(workers)
        ]
        answered = 0
        for proc in procs:
            out, err = proc.communicate(timeout=60 * period_s)
            if proc.returncode != 0:
                print(f"  worker failed: {err[-2000:]}")
            answered += int(out.strip() or 0)
        seconds = time.monotonic() - started
        arrivals = [r.received_at for r in server.requests]
    asyncio.run(_forget(key))
    return LimitsResult(
        requests=per_worker * workers,
        answered=answered,
        seconds=seconds,
        most_in_window=max_in_window(arrivals, period_s - SLACK_S),
        most_in_window_strict=max_in_window(arrivals, period_s),
        limit=limit,
        period_s=period_s,
    )


async def _forget(key: str) -> None:
    limiter = RedisLimiter(redis_url())
    await limiter.reset(key)
    await limiter.aclose()


async def _worker(
    url: str, redis: str, key: str, number: int, count: int, limit: int, period_s: float
) -> int:
    limiter = RedisLimiter(redis)
    rate = RateLimit(requests_per_minute=limit, period_s=period_s, key=key, max_concurrency=64)
    model = get_model(
        MODEL, credentials={"api_key": "bench", "base_url": url}, rate_limit=rate, limiter=limiter
    )
    try:
        results = await asyncio.gather(
            *(model.chat(ChatRequest.from_prompt(f"worker {number} request {i}")) for i in range(count)),
            return_exceptions=True,
        )
    finally:
        await model.aclose()
        await limiter.aclose()
    errors = [r for r in results if isinstance(r, BaseException)]
    if errors:
        print(f"{len(errors)} errors, e.g. {errors[0]!r}", file=sys.stderr)
    return len(results) - len(errors)


@dataclass(frozen=True)
class CapacityResult:
    requests: int
    answered: int
    seconds: float
    late_requests: int
    late_429s: int

    @property
    def rate(self) -> float:
        return self.answered / self.seconds

    @property
    def ideal(self) -> float:
        return CAPACITY / LATENCY

    @property
    def late_429_share(self) -> float:
        return self.late_429s / max(1, self.late_requests)

    @property
    def passed(self) -> bool:
        return self.rate >= 0.9 * self.ideal and self.late_429_share < 0.05 and self.answered == self.requests


def capacity_run(requests: int = D_REQUESTS) -> CapacityResult:
    """Line (d): one client, 64 allowed in flight, against a server that takes ``CAPACITY`` at once."""
    script = jittered(LATENCY, JITTER, seed=4)
    with FakeProviderServer(script, limits=ServerLimits(max_in_flight=CAPACITY)) as server:
        started = time.monotonic()
        answered = asyncio.run(_capacity_client(server.openai_base_url, requests))
        seconds = time.monotonic() - started
        first = min(r.received_at for r in server.requests)
        late = [r for r in server.requests if r.received_at - first >= D_WARMUP_S]
    return CapacityResult(requests, answered, seconds, len(late), sum(1 for r in late if r.status == 429))


async def _capacity_client(url: str, requests: int) -> int:
    model = get_model(MODEL, credentials={"api_key": "bench", "base_url": url}, rate_limit=RateLimit())
    try:
        results = await asyncio.gather(
            *(model.chat(ChatRequest.from_prompt(f"request {i}")) for i in range(requests)),
            return_exceptions=True,
        )
    finally:
        await model.aclose()
    return sum(1 for r in results if not isinstance(r, BaseException))


Row = tuple[str, str, str, str, bool | None]


def limits_rows(quick: bool = False, capacity: bool = True) -> list[Row]:
    """Runs (e) (and (d)), printing each, and returns their table rows."""
    limit, period = (LIMIT // QUICK, PERIOD_S / QUICK) if quick else (LIMIT, PERIOD_S)
    e = limits_run(limit, period)
    print(
        f"(e) {WORKERS} processes, one Redis limiter, {limit} per {period:g} s: "
        f"{e.answered:,}/{e.requests:,} answered in {e.seconds:.1f} s; most in a "
        f"{period - SLACK_S:g} s window {e.most_in_window}, in a {period:g} s one {e.most_in_window_strict}"
    )
    rows: list[Row] = [
        (
            f"(e) {limit}/{period:g} s across {WORKERS} processes",
            f"max {e.most_in_window} in a window ({e.answered:,}/{e.requests:,} rows)",
            f"limit {limit}",
            f"≤ {limit}, all rows",
            e.passed,
        )
    ]
    if capacity:
        d = capacity_run()
        print(
            f"(d) capacity {CAPACITY} in flight at {LATENCY * 1000:g} ± {JITTER * 1000:g} ms: "
            f"{d.answered:,}/{d.requests:,} in {d.seconds:.1f} s = {d.rate:.0f}/s (ideal {d.ideal:.0f}); "
            f"429s after {D_WARMUP_S:g} s: {d.late_429s}/{d.late_requests} ({d.late_429_share:.1%})"
        )
        rows.append(
            (
                f"(d) capacity 429s above {CAPACITY} in flight",
                f"{d.rate:.0f}/s, {d.late_429_share:.1%} 429s",
                f"{CAPACITY}/L = {d.ideal:.0f}",
                f"≥ 90% ({d.rate / d.ideal:.0%}), < 5% 429s",
                d.passed,
            )
        )
    return rows


if __name__ == "__main__" and sys.argv[1:2] == ["--worker"]:
    url, redis, key, number, count, limit, period = sys.argv[2:9]
    print(asyncio.run(_worker(url, redis, key, int(number), int(count), int(limit), float(period))))
