"""Gauges computed at scrape time from the database and the broker, served by the API's /metrics.

The figures are read asynchronously *before* rendering (a few aggregate queries on the API's own
engine and one broker round trip in a thread, each bounded by a timeout), then handed to a
:class:`SnapshotCollector`, which prometheus_client renders synchronously. Nothing blocks the event
loop and no second engine or loop is needed. A source that is down or slow is logged and left out:
the scrape still answers, and ``distillery_metrics_source_up{source=...}`` says what is missing.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Awaitable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar

from prometheus_client.core import GaugeMetricFamily, Metric
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.models import JobKind, JobStatus
from app.models.base import utcnow
from app.observability.broker import queue_depths
from app.observability.labels import STAGES, dataset_label, model_label, one_of, provider_label
from app.observability.repository import BudgetRow, LedgerRow, MetricsRepository

logger = logging.getLogger(__name__)
T = TypeVar("T")

SOURCE_TIMEOUT_S = 3.0
STALLED_AFTER = timedelta(minutes=10)


@dataclass(frozen=True, slots=True)
class DatabaseFigures:
    """What the database says at one moment."""

    jobs: dict[tuple[JobKind, JobStatus], int]
    stalled_jobs: int
    budgets: list[BudgetRow]
    ledger: list[LedgerRow]


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The figures of one scrape; a source that could not be read is ``None``."""

    database: DatabaseFigures | None
    queues: dict[str, int] | None


async def take_snapshot(
    maker: async_sessionmaker[AsyncSession], broker_url: str, transport_options: dict[str, Any]
) -> Snapshot:
    """Read the database and the broker concurrently, each within :data:`SOURCE_TIMEOUT_S`."""
    database, queues = await asyncio.gather(
        _guarded("database", _read_database(maker)),
        _guarded("broker", asyncio.to_thread(queue_depths, broker_url, transport_options)),
    )
    return Snapshot(database=database, queues=queues)


async def _read_database(maker: async_sessionmaker[AsyncSession]) -> DatabaseFigures:
    async with maker() as session:
        metrics = MetricsRepository(session)
        jobs = await metrics.count_jobs()
        progress = await metrics.running_jobs_last_progress()
        budgets = await metrics.budgets()
        ledger = await metrics.ledger_totals()
    cutoff = utcnow() - STALLED_AFTER
    stalled = sum(1 for moment in progress if _aware(moment) < cutoff)
    return DatabaseFigures(jobs=jobs, stalled_jobs=stalled, budgets=budgets, ledger=ledger)


_source_up: dict[str, bool] = {}


async def _guarded(source: str, work: Awaitable[T]) -> T | None:
    """``work``'s result, or ``None`` (logged once per outage) when it fails or takes too long."""
    try:
        async with asyncio.timeout(SOURCE_TIMEOUT_S):
            result: T = await work
    except Exception as exc:  # any failure leaves this source's gauges out; the scrape goes on
        level = logging.WARNING if _source_up.get(source, True) else logging.DEBUG
        logger.log(
            level, "metrics: could not read the %s (%s); its gauges are left out", source, _reason(exc)
        )
        _source_up[source] = False
        return None
    if not _source_up.get(source, True):
        logger.info("metrics: the %s can be read again", source)
    _source_up[source] = True
    return result


def _reason(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return f"no answer within {SOURCE_TIMEOUT_S:g}s"
    # The class and first line say what is wrong without echoing connection strings.
    return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"[:300]


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class SnapshotCollector:
    """Renders one :class:`Snapshot` as gauges (a prometheus_client collector)."""

    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot

    def collect(self) -> Iterator[Metric]:
        """The gauges of the sources that answered, and whether each one did."""
        up = GaugeMetricFamily(
            "distillery_metrics_source_up",
            "Whether the API could read this source for the gauges of this scrape (1) or not (0).",
            labels=["source"],
        )
        up.add_metric(["database"], float(self.snapshot.database is not None))
        up.add_metric(["broker"], float(self.snapshot.queues is not None))
        yield up
        if self.snapshot.database is not None:
            yield from _database_metrics(self.snapshot.database)
        if self.snapshot.queues is not None:
            queues = GaugeMetricFamily(
                "distillery_queue_messages", "Messages waiting in a Celery queue.", labels=["queue"]
            )
            for name, depth in sorted(self.snapshot.queues.items()):
                queues.add_metric([name], depth)
            yield queues


def _database_metrics(figures: DatabaseFigures) -> Iterator[Metric]:
    jobs = GaugeMetricFamily("distillery_jobs", "Jobs by kind and status.", labels=["kind", "status"])
    for kind in JobKind:
        for status in JobStatus:
            jobs.add_metric([kind.value, status.value], figures.jobs.get((kind, status), 0))
    yield jobs
    yield GaugeMetricFamily(
        "distillery_jobs_stalled",
        f"Running jobs that finished no item in the last {STALLED_AFTER.seconds // 60} minutes.",
        value=figures.stalled_jobs,
    )
    yield from _budget_metrics(figures.budgets)
    yield from _ledger_metrics(figures.ledger)


def _budget_metrics(rows: list[BudgetRow]) -> Iterator[Metric]:
    help_texts = {
        "limit": "Budget limit in US dollars: the global budget, or the sum over a dataset's active jobs.",
        "spent": "Settled spend against the budget, in US dollars.",
        "used": "Spend plus reservations in flight and unknown-cost worst cases: what counts against it.",
    }
    families = {
        part: GaugeMetricFamily(f"distillery_budget_{part}_usd", text, labels=["scope", "dataset"])
        for part, text in help_texts.items()
    }
    for row in rows:
        labels = ["global", "none"] if row.dataset is None else ["dataset", dataset_label(row.dataset)]
        families["limit"].add_metric(labels, float(row.limit))
        families["spent"].add_metric(labels, float(row.spent))
        families["used"].add_metric(labels, float(row.used))
    yield from families.values()


def _ledger_metrics(rows: list[LedgerRow]) -> Iterator[Metric]:
    cost: defaultdict[tuple[str, str, str], Decimal] = defaultdict(Decimal)
    unknown: defaultdict[tuple[str, str, str], int] = defaultdict(int)
    for row in rows:  # labels are bounded after cleaning, so distinct rows may share one series
        key = (provider_label(row.provider), model_label(row.model), one_of(row.stage, STAGES))
        cost[key] += row.cost
        unknown[key] += row.unknown_cost_calls
    cost_family = GaugeMetricFamily(
        "distillery_ledger_cost_usd",
        "Settled cost in the ledger (the database), in US dollars: the source of truth for money.",
        labels=["provider", "model", "stage"],
    )
    unknown_family = GaugeMetricFamily(
        "distillery_ledger_unknown_cost_requests",
        "Finished attempts in the ledger whose cost is unknown.",
        labels=["provider", "model", "stage"],
    )
    for key in sorted(cost):
        cost_family.add_metric(list(key), float(cost[key]))
        unknown_family.add_metric(list(key), unknown[key])
    yield cost_family
    yield unknown_family
