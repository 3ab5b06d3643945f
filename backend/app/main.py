"""The FastAPI application: API under /api/v1, docs at /docs, metrics at /metrics, dashboard at /."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from app import __version__
from app.api import api_router
from app.auth import security
from app.auth.csrf import CSRFMiddleware
from app.auth.throttle import create_store
from app.core.api_docs import install_api_docs
from app.core.config import Settings, get_settings
from app.core.db import create_engine, create_read_engine, create_sessionmaker
from app.core.errors import NotFound, install_error_handlers
from app.core.limits import MULTIPART_OVERHEAD, BodyLimitMiddleware
from app.core.logging import configure_logging
from app.core.security_headers import SecurityHeadersMiddleware
from app.observability.endpoints import metrics_response
from app.observability.http import MetricsMiddleware
from app.serving.endpoints import router as serving_router
from app.users.quotas import create_task_counter
from app.worker.app import create_celery

REPO_ROOT = Path(__file__).resolve().parents[2]


def create_served_app() -> FastAPI:
    """The application as ``distillery serve`` runs it in each API process (the uvicorn factory)."""
    return create_app(freeze_startup_heap=True)


def create_app(settings: Settings | None = None, *, freeze_startup_heap: bool = False) -> FastAPI:
    """Build the application for ``settings`` (the environment's by default).

    ``freeze_startup_heap`` moves what startup allocated (modules, models, routes: some 250,000 objects)
    out of the cyclic garbage collector's reach once the app has started. Each full collection walked
    them all: under ``python -m bench service`` it stopped the event loop for 165-289 ms, 13 times in
    100 s of two processes; with the heap frozen, no collection took over 33 ms.
    """
    settings = settings or get_settings()
    configure_logging(settings.log_level)
    security.configure(settings.environment)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_engine(settings)
        app.state.engine = engine
        app.state.sessionmaker = create_sessionmaker(engine)
        app.state.read_sessionmaker = create_sessionmaker(create_read_engine(engine))
        app.state.login_throttle = create_store(settings, app.state.sessionmaker)
        app.state.task_counter = create_task_counter(settings)
        if freeze_startup_heap:
            gc.collect()
            gc.freeze()
        yield
        await app.state.login_throttle.close()
        await app.state.task_counter.close()
        await engine.dispose()

    app = FastAPI(
        title="Distillery API",
        version=__version__,
        description="Distill a teacher LLM into fine-tuning data and a small student model.",
        lifespan=lifespan,
        docs_url=None,  # served from local bundles by install_api_docs
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.settings = settings
    app.state.celery = create_celery(settings)
    install_error_handlers(app)
    upload_limit = settings.upload_max_bytes + MULTIPART_OVERHEAD
    app.add_middleware(BodyLimitMiddleware, limits={"/api/v1/datasets/upload": upload_limit})
    # Outside the body limit: a forged upload is refused before a byte of it is read.
    app.add_middleware(CSRFMiddleware, settings=settings)
    app.add_middleware(MetricsMiddleware)
    # Added last, so it wraps the others: refusals of the body limit get the headers too.
    hsts = (settings.public_url or "").lower().startswith("https://")
    app.add_middleware(SecurityHeadersMiddleware, hsts=hsts)
    app.include_router(api_router)
    app.include_router(serving_router)
    app.add_api_route(
        "/api/{path:path}",
        _unknown_api_path,
        methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
        include_in_schema=False,
    )
    app.add_route("/metrics", metrics_response, include_in_schema=False)
    install_api_docs(app)
    _mount_dashboard(app, settings.frontend_dir or REPO_ROOT / "frontend" / "out")
    return app


async def _unknown_api_path(path: str) -> None:
    # Without this, the dashboard's static mount would answer unknown API paths with an HTML page.
    raise NotFound(f"no API endpoint at /api/{path}")


def _mount_dashboard(app: FastAPI, directory: Path) -> None:
    if (directory / "index.html").is_file():
        app.mount("/", StaticFiles(directory=directory, html=True), name="dashboard")
        return

    @app.get("/", include_in_schema=False)
    def _not_built() -> HTMLResponse:
        # An API-only install is valid; say how to get the dashboard instead of a bare 404.
        body = (
            "<!doctype html><html><head><title>Distillery</title></head><body>"
            "<h1>Distillery API</h1><p>The dashboard is not built in this installation. "
            "Build it with <code>make frontend</code>, or use the API at <a href='/docs'>/docs</a>.</p>"
            "</body></html>"
        )
        return HTMLResponse(body)
