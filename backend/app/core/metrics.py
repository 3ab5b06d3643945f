"""The API's HTTP metrics and ``/metrics`` endpoint, which now live in :mod:`app.observability`."""

from __future__ import annotations

from app.observability.endpoints import metrics_response
from app.observability.http import HTTP_LATENCY, HTTP_REQUESTS, MetricsMiddleware

__all__ = ["HTTP_LATENCY", "HTTP_REQUESTS", "MetricsMiddleware", "metrics_response"]
