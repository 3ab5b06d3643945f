"""HTTP metrics of the API: request counts and latency by route template (bounded labels)."""

from __future__ import annotations

import time

from prometheus_client import Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

HTTP_REQUESTS = Counter(
    "distillery_http_requests_total", "HTTP requests answered by the API.", ["method", "route", "status"]
)
HTTP_LATENCY = Histogram(
    "distillery_http_request_duration_seconds",
    "Time to answer an HTTP request.",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)


class MetricsMiddleware:
    """Counts and times every request, labelled by the route's template, never the raw path."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = {"code": 500}

        async def _send(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = int(message["status"])
            await send(message)

        start = time.perf_counter()
        try:
            await self.app(scope, receive, _send)
        finally:
            route = _route_template(scope)
            method = scope["method"]
            HTTP_REQUESTS.labels(method, route, str(status["code"])).inc()
            HTTP_LATENCY.labels(method, route).observe(time.perf_counter() - start)


def _route_template(scope: Scope) -> str:
    """The matched route with its parameters put back as ``{name}``: a bounded label."""
    if "app_root_path" in scope:  # served by the dashboard's static mount: one label for every file
        return "dashboard"
    if scope.get("route") is None:
        # Plain Starlette routes (/metrics) have fixed paths; anything else matched nothing.
        return str(scope["path"]) if scope.get("endpoint") is not None else "unmatched"
    # The route's template ("/api/v1/tasks/{task_id}"), never the requested path, so a parameter that
    # spans several segments (the catch-all "/api/{path:path}") cannot leak into the label. Recent
    # FastAPI keeps an included router's route as declared and the prefixed template beside it; older
    # releases copied the route with its prefixes.
    context = (scope.get("fastapi") or {}).get("effective_route_context")
    template = getattr(context, "path_format", None) or getattr(scope["route"], "path_format", None)
    return template if isinstance(template, str) else "unmatched"
