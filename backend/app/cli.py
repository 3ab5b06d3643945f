"""The ``distillery`` command: run the service (serve, worker, migrate) and the engine's commands."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from app import __version__
from app.core.config import Settings, get_settings
from distillation.cli import register

if TYPE_CHECKING:
    from distillation.providers import Credentials

GROQ_BASE_URL = "https://api.groq.com/openai/v1"

cli = typer.Typer(
    name="distillery",
    help="Distillery: distill a teacher LLM into fine-tuning data and a small student model.",
    no_args_is_help=True,
    add_completion=False,
)


@cli.command()
def version() -> None:
    """Print the version."""
    typer.echo(f"distillery {__version__}")


@cli.command()
def migrate() -> None:
    """Apply database migrations and create the first admin of a new installation."""
    from app.core.migrate import upgrade

    settings = get_settings()
    upgrade(settings)
    typer.echo(f"database is up to date ({'sqlite' if settings.is_sqlite else 'postgresql'})")
    asyncio.run(_ensure_first_admin(settings))


async def _ensure_first_admin(settings: Settings) -> None:
    from app.auth.bootstrap import ADMIN_PASSWORD_FILE, bootstrap_admin

    admin = await bootstrap_admin(settings)
    if admin is None:
        return
    typer.echo(f"created the first admin: {admin.email}")
    if admin.generated:
        typer.echo(
            f"its password is in {settings.data_dir / ADMIN_PASSWORD_FILE} (readable only by you); "
            "change it after logging in"
        )


@cli.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to bind (HOST); loopback by default.")] = None,
    port: Annotated[int | None, typer.Option(help="Port (PORT).")] = None,
    reload: Annotated[bool, typer.Option(help="Restart on code changes (development).")] = False,
    workers: Annotated[
        int | None, typer.Option(min=1, help="API processes (WEB_CONCURRENCY; 1 by default), one per core.")
    ] = None,
) -> None:
    """Run the API and the dashboard."""
    import uvicorn

    settings = get_settings()
    processes = workers or settings.web_concurrency
    if processes > 1:
        if reload:
            raise typer.BadParameter("--reload runs one process; leave --workers out", param_hint="--workers")
        from app.observability.worker import use_multiprocess_metrics

        # Before the processes start: each writes its metrics to the folder, /metrics sums them.
        use_multiprocess_metrics(settings)
    uvicorn.run(
        "app.main:create_served_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        reload=reload,
        workers=processes,
        log_level=settings.log_level.lower(),
        access_log=False,
    )


@cli.command()
def worker(
    queues: Annotated[str, typer.Option(help="Comma-separated queues to consume.")] = "default,llm,gpu",
    concurrency: Annotated[int | None, typer.Option(help="Worker processes (WORKER_CONCURRENCY).")] = None,
    beat: Annotated[bool, typer.Option(help="Also run the periodic scheduler in this worker.")] = False,
    name: Annotated[
        str | None, typer.Option(help="Node name before the @host part (two workers on one host need two).")
    ] = None,
    include: Annotated[
        str | None, typer.Option(help="Comma-separated modules with more tasks to load (plugins).")
    ] = None,
) -> None:
    """Run a Celery worker (prefork pool, fair scheduling), with its metrics on WORKER_METRICS_PORT."""
    from app.observability.worker import start_worker_metrics

    settings = get_settings()
    # Before the task modules load: their metrics must be created in multiprocess mode.
    start_worker_metrics(settings)
    from app.worker.app import celery_app

    argv = [
        "worker",
        "--pool=prefork",
        "-O",
        "fair",
        f"--queues={queues}",
        f"--concurrency={concurrency or settings.worker_concurrency}",
        f"--loglevel={settings.log_level}",
        # Mingle (syncing revoked ids with other workers at start) can leave a worker that lost Redis
        # reconnected but consuming nothing (celery/celery#8030); our state lives in the database.
        "--without-mingle",
    ]
    if include:
        argv.append(f"--include={include}")
    if name:
        argv.append(f"--hostname={name}@%h")
    if beat:
        argv.append("--beat")
    celery_app.worker_main(argv)


@cli.command()
def beat() -> None:
    """Run the periodic scheduler (the reconciler) on its own."""
    from app.worker.app import celery_app

    settings = get_settings()
    celery_app.start(["beat", f"--loglevel={settings.log_level}"])


@cli.command()
def openapi(
    output: Annotated[Path | None, typer.Option(help="Write to this file instead of stdout.")] = None,
) -> None:
    """Print the OpenAPI schema (the dashboard's API types are generated from it)."""
    from app.main import create_app

    text = json.dumps(create_app().openapi(), indent=2, sort_keys=True) + "\n"
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text)


def provider_credentials(provider: str) -> Credentials | None:
    """Keys and endpoints from the settings, by provider name (read when an engine command runs)."""
    from distillation.providers import Credentials

    settings = get_settings()
    keys = {
        "openai": settings.openai_api_key,
        "anthropic": settings.anthropic_api_key,
        "google": settings.google_api_key,
        "groq": settings.groq_api_key,
        "together": settings.together_api_key,
        # Ollama, vLLM, llama.cpp server, LM Studio...: OPENAI_BASE_URL names the server.
        "openai-compatible": settings.openai_api_key,
    }
    if provider not in keys:
        return None
    key = keys[provider]
    base_url = {
        "openai": settings.openai_base_url,
        "openai-compatible": settings.openai_base_url,
        "groq": GROQ_BASE_URL,
        "together": settings.together_base_url,
    }.get(provider)
    return Credentials(api_key=key.get_secret_value() if key else None, base_url=base_url)


# generate, estimate, validate, export: the engine's commands (settings are read only when they run).
register(cli, credentials=provider_credentials, config_dir=lambda: get_settings().config_dir)


def main() -> None:
    """Entry point of the ``distillery`` script."""
    cli()
