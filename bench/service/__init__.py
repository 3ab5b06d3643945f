"""``python -m bench service``: the API under load on a 1,000,000-example dataset in PostgreSQL.

1. A fresh database (dropped afterwards), ``distillery migrate``, ``distillery serve`` as users start
   it, a dataset created through the API and filled with COPY (realistic chat rows of 300-600 bytes).
2. 200 concurrent clients browse its examples for 60 s: pages anywhere in the dataset, score-range
   filters, text searches, single examples (targets: zero errors, p95 < 100 ms).
3. The dataset is exported as JSONL through the API, streamed, while the API process tree's RSS is
   sampled (target: < 300 MB).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import tempfile
import time
import uuid
from pathlib import Path

import asyncpg
import httpx
import psutil

from app.auth.csrf import CSRF_COOKIE, CSRF_HEADER
from app.auth.deps import SESSION_COOKIE
from bench.service.data import Database, create_database, drop_database, load_examples
from bench.service.load import PAGE_SIZE, ExportResult, LoadResult, Target, percentile, run_export, run_load
from bench.service.server import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    PeakRss,
    migrate,
    postgres_cpu_seconds,
    serve,
    server_env,
    tree_cpu_seconds,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
P95_TARGET_MS = 100.0
RSS_TARGET_MB = 300.0
Row = tuple[str, str, str, bool | None]


def parse(argv: list[str]) -> argparse.Namespace:
    """The command line of ``python -m bench service``."""
    parser = argparse.ArgumentParser(prog="python -m bench service", description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=1_000_000, help="rows in the dataset")
    parser.add_argument("--clients", type=int, default=200, help="concurrent clients")
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the load run")
    parser.add_argument(
        "--workers", type=int, default=psutil.cpu_count(), help="API processes (default: one per core)"
    )
    parser.add_argument(
        "--think", type=float, default=1.0, help="mean pause of a client between requests (s)"
    )
    return parser.parse_args(argv)


def main(argv: list[str]) -> None:
    """Run the whole benchmark and print the numbers and the PASS/FAIL table."""
    args = parse(argv)
    print(
        f"Python {platform.python_version()}, {psutil.cpu_count()} cores, PostgreSQL on 127.0.0.1, "
        f"{args.workers} API process{'es' if args.workers > 1 else ''}"
    )
    asyncio.run(_run(args))


async def _run(args: argparse.Namespace) -> None:
    database = await create_database()
    try:
        with tempfile.TemporaryDirectory(prefix="bench-service-") as folder:
            env = server_env(database.url, Path(folder) / "data")
            await asyncio.to_thread(migrate, env, REPO_ROOT)
            with serve(env, REPO_ROOT, Path(folder) / "serve.log", args.workers) as (base, process):
                rows = await _exercise(args, database, base, process)
    finally:
        await drop_database(database)
    _table(rows)


async def _exercise(
    args: argparse.Namespace, database: Database, base: str, process: psutil.Process
) -> list[Row]:
    cookie, dataset_id = await _login_and_create(base)
    seconds = await load_examples(database, uuid.UUID(dataset_id), args.examples)
    rate = args.examples / seconds
    print(f"loaded {args.examples:,} examples with COPY in {seconds:.0f} s ({rate:,.0f} rows/s)")
    target = Target(
        base, dataset_id, args.examples, await _sample_ids(database, dataset_id, args.examples), cookie
    )
    await run_load(target, min(20, args.clients), 5.0, args.think)  # warm the caches; not counted
    print(f"\n{args.clients} clients for {args.seconds:g} s, each pausing {args.think:g} s on average:")
    with Usage(process) as load_usage:
        load = await run_load(target, args.clients, args.seconds, args.think)
    _print_load(load)
    load_usage.report(load.requests, "request")
    print("\nexport of the dataset as JSONL, streamed:")
    with PeakRss(process) as rss, Usage(process) as export_usage:
        export = await run_export(base, dataset_id, cookie)
    _print_export(export, rss, args.examples)
    export_usage.report(export.lines, "row")
    return _targets(load, export, rss, args.examples)


class Usage:
    """CPU time over a phase: the API's, PostgreSQL's and this process's (the clients), with the
    machine's load average (all of them share the cores, and each shows in every latency)."""

    def __init__(self, process: psutil.Process) -> None:
        self.process = process
        self.cpu = self.database = self.clients = self.seconds = 0.0
        self.load = (0.0, 0.0)
        self._database: dict[int, float] = {}

    def __enter__(self) -> Usage:
        self.cpu, self.clients, self.seconds = (
            tree_cpu_seconds(self.process),
            time.process_time(),
            time.monotonic(),
        )
        self._database, self.load = postgres_cpu_seconds(), os.getloadavg()[:2]
        return self

    def __exit__(self, *_: object) -> None:
        self.cpu = tree_cpu_seconds(self.process) - self.cpu
        self.clients = time.process_time() - self.clients
        self.seconds = time.monotonic() - self.seconds
        # Backends that ended within the phase are missed (the API keeps its pooled connections).
        after = postgres_cpu_seconds()
        self.database = sum(seconds - self._database.get(pid, 0.0) for pid, seconds in after.items())
        self.load = (self.load[0], os.getloadavg()[0])

    def report(self, count: int, unit: str) -> None:
        """Print each side's CPU per ``unit`` and its share of a core, and the load average."""
        for name, seconds in (("API", self.cpu), ("PostgreSQL", self.database), ("clients", self.clients)):
            per = seconds * 1000 / max(1, count)
            print(
                f"    {name} CPU {per:.2f} ms a {unit} ({seconds / max(self.seconds, 1e-9):.0%} of one core)"
            )
        print(
            f"    machine load average {self.load[0]:.1f} -> {self.load[1]:.1f} on {psutil.cpu_count()} cores"
        )


async def _login_and_create(base: str) -> tuple[str, str]:
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        login = await client.post(
            "/api/v1/auth/login", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
        )
        login.raise_for_status()
        cookie = f"{SESSION_COOKIE}={login.cookies[SESSION_COOKIE]}"
        body = {"name": "bench 1M", "data_type": "qa", "description": "python -m bench service"}
        # A write with the cookie comes as the dashboard's would: its origin and the CSRF token.
        headers = {"Cookie": cookie, "Origin": base, CSRF_HEADER: login.cookies[CSRF_COOKIE]}
        created = await client.post("/api/v1/datasets", json=body, headers=headers)
        created.raise_for_status()
        return cookie, str(created.json()["id"])


async def _sample_ids(database: Database, dataset_id: str, count: int, size: int = 5_000) -> list[str]:
    positions = random.Random(1).sample(range(count), min(size, count))
    connection = await asyncpg.connect(database.url)
    try:
        rows = await connection.fetch(
            "SELECT id FROM examples WHERE dataset_id = $1 AND position = ANY($2::int[])",
            uuid.UUID(dataset_id),
            positions,
        )
    finally:
        await connection.close()
    return [str(row["id"]) for row in rows]


def _print_load(load: LoadResult) -> None:
    print(f"    {'request':<10} {'count':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for kind, values in [*load.latencies.items(), ("all", load.all_latencies)]:
        ms = [v * 1000 for v in values]
        print(
            f"    {kind:<10} {len(ms):>7,} {percentile(ms, 0.5):>8.1f} {percentile(ms, 0.95):>8.1f} "
            f"{percentile(ms, 0.99):>8.1f} {max(ms, default=0):>8.1f}"
        )
    errors = ", ".join(f"{name}: {n}" for name, n in load.errors.most_common()) or "none"
    rate = load.requests / load.seconds
    print(f"    {load.requests:,} requests in {load.seconds:.1f} s = {rate:.0f} req/s; errors: {errors}")


def _print_export(export: ExportResult, rss: PeakRss, count: int) -> None:
    mib, seconds = export.bytes / 2**20, max(export.seconds, 1e-9)
    print(
        f"    HTTP {export.status}: {export.lines:,} lines, {mib:,.0f} MiB in {export.seconds:.1f} s "
        f"= {export.lines / seconds:,.0f} rows/s, {mib / seconds:.1f} MiB/s (expected {count:,} lines)"
    )
    print(
        f"    API process tree RSS: {rss.start:.0f} MiB before, peak {rss.peak:.0f} MiB during the export; "
        f"largest process {rss.start_process:.0f} MiB before, peak {rss.peak_process:.0f} MiB"
    )


def _targets(load: LoadResult, export: ExportResult, rss: PeakRss, count: int) -> list[Row]:
    p95 = percentile(load.all_latencies, 0.95) * 1000
    errors = sum(load.errors.values())
    complete = export.status == 200 and export.lines == count
    peak_mb = rss.peak_process * 2**20 / 1e6
    return [
        ("load: errors", f"{errors} of {load.requests:,}", "0", errors == 0),
        ("load: p95 latency", f"{p95:.1f} ms", f"< {P95_TARGET_MS:g} ms", p95 < P95_TARGET_MS),
        ("load: throughput", f"{load.requests / load.seconds:.0f} req/s", "", None),
        ("export: complete", f"{export.lines:,} of {count:,} rows", "all rows", complete),
        ("export: throughput", f"{export.lines / max(export.seconds, 1e-9):,.0f} rows/s", "", None),
        (
            "export: peak RSS of an API process",
            f"{peak_mb:.0f} MB",
            f"< {RSS_TARGET_MB:g} MB",
            peak_mb < RSS_TARGET_MB,
        ),
    ]


def _table(rows: list[Row]) -> None:
    header = ("benchmark", "measured", "target")
    widths = [max(len(str(row[i])) for row in [*rows, header]) for i in range(3)]
    print()
    print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)) + "  result")
    print("  ".join("-" * w for w in [*widths, 6]))
    for *cells, ok in rows:
        result = "info" if ok is None else "PASS" if ok else "FAIL"
        print("  ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True)) + "  " + result)


__all__ = ["PAGE_SIZE", "main"]
