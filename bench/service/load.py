"""Concurrent clients browsing a big dataset's examples, and a streamed export, measured from outside.

Each client is a person paging through the examples table of the dashboard: a request, then a pause
(``think`` seconds on average) while they read it. The requests mix what that table does: pages
anywhere in the dataset, score-range filters, text searches, and one example opened in full.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field

import aiohttp

from bench.service.data import SEARCHES, order_code

PAGE_SIZE = 50
# What a client asks for, with weights: kind -> share of the requests.
MIX = {
    "page": 0.25,  # pages 1-100, as the dashboard's Previous/Next buttons reach them
    "after": 0.15,  # a page anywhere in the dataset, continued from an example (keyset: after=<id>)
    "score": 0.15,  # a score range, pages 1-20
    "search": 0.15,  # a text search, pages 1-3
    "example": 0.28,  # one example with its provenance
    "deep page": 0.02,  # a page number anywhere in the dataset (OFFSET up to the whole version)
}


@dataclass
class LoadResult:
    """Latencies (seconds) per kind of request, and the errors seen."""

    seconds: float = 0.0
    latencies: dict[str, list[float]] = field(default_factory=lambda: {kind: [] for kind in MIX})
    errors: Counter[str] = field(default_factory=Counter)

    @property
    def all_latencies(self) -> list[float]:
        """Every request's latency."""
        return [x for values in self.latencies.values() for x in values]

    @property
    def requests(self) -> int:
        """Requests answered (successfully or not) within the run."""
        return len(self.all_latencies) + sum(self.errors.values())


def percentile(values: list[float], share: float) -> float:
    """The ``share`` quantile of ``values`` (0 when empty)."""
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=1000, method="inclusive")[round(share * 1000) - 1]


@dataclass(frozen=True, slots=True)
class Target:
    """What the clients browse."""

    base: str
    dataset_id: str
    count: int
    example_ids: list[str]
    cookie: str


def request_for(kind: str, target: Target, rng: random.Random) -> tuple[str, dict[str, str]]:
    """The path and query of one request of ``kind``."""
    examples = f"/api/v1/datasets/{target.dataset_id}/examples"
    size = {"page_size": str(PAGE_SIZE)}
    if kind == "page":
        return examples, size | {"page": str(rng.randint(1, 100))}
    if kind == "after":
        return examples, size | {"after": rng.choice(target.example_ids)}
    if kind == "deep page":
        return examples, size | {"page": str(rng.randint(1, max(1, target.count // PAGE_SIZE)))}
    if kind == "score":
        low = rng.choice((0, 4, 6, 8))
        return examples, size | {
            "score_min": str(low),
            "score_max": str(low + 2),
            "page": str(rng.randint(1, 20)),
        }
    if kind == "search":
        # Words of many rows, or one order number (a single match): the two ends of a search's cost.
        term = rng.choice(SEARCHES) if rng.random() < 0.7 else order_code(rng.randrange(target.count))
        return examples, {"q": term, "page": str(rng.randint(1, 3)), "page_size": "20"}
    return f"{examples}/{rng.choice(target.example_ids)}", {}


async def client(
    session: aiohttp.ClientSession, target: Target, result: LoadResult, until: float, think: float, seed: int
) -> None:
    """One person browsing until ``until`` (monotonic time)."""
    rng = random.Random(seed)
    kinds, weights = list(MIX), list(MIX.values())
    await asyncio.sleep(rng.uniform(0, think))  # people do not all click at the same instant
    while time.monotonic() < until:
        kind = rng.choices(kinds, weights)[0]
        path, query = request_for(kind, target, rng)
        began = time.perf_counter()
        try:
            async with session.get(target.base + path, params=query) as response:
                await response.read()
                status = response.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            result.errors[type(exc).__name__] += 1
        else:
            if status == 200:
                result.latencies[kind].append(time.perf_counter() - began)
            else:
                result.errors[f"HTTP {status}"] += 1
        await asyncio.sleep(rng.uniform(0.5 * think, 1.5 * think))


async def run_load(target: Target, clients: int, seconds: float, think: float) -> LoadResult:
    """``clients`` people browsing for ``seconds``."""
    result = LoadResult()
    connector = aiohttp.TCPConnector(limit=0)
    timeout = aiohttp.ClientTimeout(total=60)
    headers = {"Cookie": target.cookie}
    async with aiohttp.ClientSession(connector=connector, timeout=timeout, headers=headers) as session:
        began = time.monotonic()
        until = began + seconds
        await asyncio.gather(*(client(session, target, result, until, think, n) for n in range(clients)))
        result.seconds = time.monotonic() - began
    return result


@dataclass
class ExportResult:
    """A streamed export: bytes and lines received, the time it took."""

    bytes: int = 0
    lines: int = 0
    seconds: float = 0.0
    status: int = 0


async def run_export(base: str, dataset_id: str, cookie: str) -> ExportResult:
    """Download the dataset as JSONL, counting it as it streams (nothing is kept)."""
    result = ExportResult()
    timeout = aiohttp.ClientTimeout(total=1800)
    async with aiohttp.ClientSession(timeout=timeout, headers={"Cookie": cookie}) as session:
        began = time.monotonic()
        url = f"{base}/api/v1/datasets/{dataset_id}/export"
        async with session.get(url, params={"format": "jsonl"}) as response:
            result.status = response.status
            async for chunk in response.content.iter_chunked(1 << 16):
                result.bytes += len(chunk)
                result.lines += chunk.count(b"\n")
        result.seconds = time.monotonic() - began
    return result
