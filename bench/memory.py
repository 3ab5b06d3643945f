"""Memory of a long run: 20,000 rows through the Runner into a JSONL file stay within a flat footprint.

Rows stream to a ``JsonlSink`` and answers to a ``JsonlCache`` (a dict of about 100 bytes an answer
stays in memory); the deduplicator keeps fixed-size integers per row (about 340 bytes: b-bit MinHash
signature, LSH band hashes, exact hash, key) and the distribution report only counts.
"""

from __future__ import annotations

import resource
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from distillation.pipeline import (
    GenerationConfig,
    JsonlCache,
    JsonlSink,
    Progress,
    Runner,
    build_engine,
    close_engine,
)
from distillation.providers import Credentials, RateLimit

ROWS = 20_000
CHECKPOINTS = (2_000, 10_000, 20_000)
TEACHER, STUDENT = "openai:gpt-4o", "openai:gpt-4o-mini"


def rss_mib() -> float:
    """Resident memory now, in MiB."""
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    return pages * resource.getpagesize() / 2**20


def peak_rss_mib() -> float:
    """Peak resident memory of this process so far, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@dataclass
class MemoryRun:
    """RSS at each checkpoint of accepted rows, and the run's outcome."""

    rows: int = 0
    seconds: float = 0.0
    status: str = ""
    start_rss: float = 0.0
    samples: dict[int, tuple[float, float]] = field(default_factory=dict)  # rows -> (rss, peak)
    cpu_seconds: float = 0.0


async def memory_run(
    base_url: str, rows: int = ROWS, checkpoints: tuple[int, ...] = CHECKPOINTS
) -> MemoryRun:
    """Generate ``rows`` QA rows (judge off) against the varied fake server, sampling RSS on the way."""
    config = GenerationConfig(
        data_type="qa",
        count=rows,
        domains=("Customer Support",),
        teacher=TEACHER,
        student=STUDENT,
        concurrency=64,
        judge_sample_rate=0.0,
    )
    result = MemoryRun(start_rss=rss_mib())
    accepted = 0

    def on_progress(progress: Progress) -> None:
        nonlocal accepted
        accepted += 1
        if accepted in checkpoints:
            result.samples[accepted] = (rss_mib(), peak_rss_mib())

    with tempfile.TemporaryDirectory() as directory:
        cache = JsonlCache(Path(directory) / "cache.jsonl")
        sink = JsonlSink(Path(directory) / "rows.jsonl")
        engine = build_engine(
            config,
            cache=cache,
            credentials={"openai": Credentials(api_key="bench", base_url=f"{base_url}/v1")},
            rate_limits={model: RateLimit(max_concurrency=64) for model in (TEACHER, STUDENT)},
        )
        cpu, wall = time.process_time(), time.perf_counter()
        try:
            report = await Runner(engine, sink, on_progress=on_progress).run()
        finally:
            sink.close()
            cache.close()
            await close_engine(engine)
        result.seconds, result.cpu_seconds = time.perf_counter() - wall, time.process_time() - cpu
        result.rows, result.status = sink.written, report.status
    return result
