"""``GET /metrics``: this process's metrics plus the gauges read from the database and the broker.

The API runs as one process by default, so its metrics live in prometheus_client's default registry.
When it is started as several processes with ``PROMETHEUS_MULTIPROC_DIR`` in its environment (gunicorn
or ``uvicorn --workers``), prometheus_client writes every process's values to that folder and this
endpoint aggregates them, as the prometheus_client documentation prescribes for multiprocess servers.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import lru_cache

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest, values
from prometheus_client.metrics_core import Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from app.observability.access import check_scrape
from app.observability.collector import SnapshotCollector, take_snapshot


async def metrics_response(request: Request) -> Response:
    """The Prometheus text exposition of the API (when ``check_scrape`` lets this client read it)."""
    state = request.app.state
    client = request.client.host if request.client else None
    refusal = check_scrape(state.settings, client, request.headers.get("authorization"))
    if refusal is not None:
        headers = {"WWW-Authenticate": "Bearer"} if refusal.status == 401 else None
        return PlainTextResponse(refusal.reason + "\n", status_code=refusal.status, headers=headers)
    snapshot = await take_snapshot(
        state.sessionmaker,
        state.settings.broker_url,
        dict(state.celery.conf.broker_transport_options or {}),
    )
    body = generate_latest(_Chain([process_registry(), SnapshotCollector(snapshot)]))
    return Response(body, media_type=CONTENT_TYPE_LATEST)


@lru_cache(maxsize=1)
def process_registry() -> Collector:
    """The default registry, or an aggregate of every process's files in multiprocess mode."""
    if values.ValueClass is values.MutexValue:  # prometheus_client found no PROMETHEUS_MULTIPROC_DIR
        return REGISTRY
    registry = CollectorRegistry()
    MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    return registry


class _Chain:
    """Several collectors rendered as one exposition."""

    def __init__(self, collectors: Iterable[Collector]) -> None:
        self.collectors = list(collectors)

    def collect(self) -> Iterator[Metric]:
        for collector in self.collectors:
            yield from collector.collect()
