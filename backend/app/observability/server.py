"""The HTTP server of a worker's ``/metrics``: prometheus_client's WSGI app behind the scrape rule.

prometheus_client's own ``start_http_server`` has no hook for authentication, so the worker serves the
same WSGI app through the standard library's threading WSGI server, refusing what
:func:`app.observability.access.check_scrape` refuses, exactly as the API does.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterable
from http import HTTPStatus
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

from app.core.config import Settings
from app.observability.access import check_scrape


def guarded_app(settings: Settings, app: WSGIApplication) -> WSGIApplication:
    """``app`` for the scrapes ``check_scrape`` allows; a 401 or 403 with the reason for the others."""

    def guarded(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        refusal = check_scrape(settings, environ.get("REMOTE_ADDR"), environ.get("HTTP_AUTHORIZATION"))
        if refusal is None:
            return app(environ, start_response)
        headers = [("Content-Type", "text/plain; charset=utf-8")]
        if refusal.status == 401:
            headers.append(("WWW-Authenticate", "Bearer"))
        status = HTTPStatus(refusal.status)
        start_response(f"{status.value} {status.phrase}", headers)
        return [refusal.reason.encode() + b"\n"]

    return guarded


def serve_metrics(app: WSGIApplication, host: str, port: int) -> WSGIServer:
    """Serve ``app`` on ``host:port`` from a daemon thread (one thread per scrape)."""
    server_class = _IPv6Server if ":" in host else _Server
    server = make_server(host, port, app, server_class=server_class, handler_class=_QuietHandler)
    threading.Thread(target=server.serve_forever, name="metrics-server", daemon=True).start()
    return server


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _IPv6Server(_Server):
    address_family = socket.AF_INET6


class _QuietHandler(WSGIRequestHandler):
    """No access log line per scrape."""

    def log_message(self, format: str, *args: Any) -> None:
        return
