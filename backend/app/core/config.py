"""The one place that reads the environment.

Every setting has the conventional name users already have in their shells (``DATABASE_URL``,
``REDIS_URL``, ``OPENAI_API_KEY``...) and is listed, with a comment, in ``.env.example``. A test keeps the
two in step, and another checks that no other module reads ``os.environ``.
"""

from __future__ import annotations

from functools import lru_cache
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PLACEHOLDER_SECRETS = frozenset({"", "changethis", "change-me", "secret", "dev-secret-key"})
EMBEDDED_DB_FILE = "distillery.db"
EMBEDDED_BROKER_FILE = "broker.db"

Environment = Literal["development", "test", "production"]


def parse_networks(value: str) -> tuple[IPv4Network | IPv6Network, ...]:
    """``"10.0.0.0/8, 127.0.0.1"`` as networks (a bare address is a network of one).

    Raises:
        ValueError: An entry is neither an address nor a network.
    """
    entries = (part.strip() for part in value.split(","))
    return tuple(ip_network(entry, strict=False) for entry in entries if entry)


def origin_of(url: str) -> str | None:
    """The origin (``scheme://host[:port]``, lower case, no default port) of an http(s) URL, else None.

    Example:
        >>> origin_of("HTTPS://Example.com:443/path?q")
        'https://example.com'
    """
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    try:
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    default = 443 if scheme == "https" else 80
    return f"{scheme}://{host}" + (f":{port}" if port not in (None, default) else "")


def parse_origins(value: str) -> tuple[str, ...]:
    """``"https://a.example, http://localhost:3000"`` as normalised origins.

    Raises:
        ValueError: An entry is not an http(s) URL with a host, or has a path, query or fragment.
    """
    origins = []
    for entry in filter(None, (part.strip() for part in value.split(","))):
        origin = origin_of(entry)
        parts = urlsplit(entry)
        if origin is None or parts.path not in ("", "/") or parts.query or parts.fragment:
            raise ValueError(f"{entry!r} is not an origin like http://localhost:3000")
        origins.append(origin)
    return tuple(origins)


# Bounds of provider rate limits (requests and tokens per minute, requests in flight), wherever set.
MAX_RPM = 10_000_000
MAX_TPM = 10_000_000_000
MAX_CONCURRENCY = 1024


class Settings(BaseSettings):
    """All settings of the service; see ``.env.example`` for what each one does."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", case_sensitive=False)

    environment: Environment = "development"
    log_level: str = "INFO"
    data_dir: Path = Path("data")
    host: str = "127.0.0.1"
    port: int = 8000
    # API processes of `distillery serve` (uvicorn workers; their metrics are summed).
    web_concurrency: int = Field(default=1, ge=1, le=64)
    public_url: str | None = None
    # Origins besides the public URL that may send the session cookie with a write (`next dev`).
    trusted_origins: str | None = None
    frontend_dir: Path | None = None

    database_url: str | None = None
    database_pool_size: int = Field(default=20, ge=1, le=1000)
    redis_url: str | None = None
    celery_broker_url: str | None = None
    celery_result_backend: str | None = None
    worker_concurrency: int = 2

    secret_key: SecretStr = SecretStr("changethis")
    first_admin_email: str = "admin@distillery.local"
    first_admin_password: SecretStr | None = None
    session_ttl_hours: int = 24 * 7
    encryption_key: SecretStr | None = None
    allow_private_provider_urls: bool | None = None

    # The Hugging Face Hub that dataset pushes go to (a local fake in tests).
    hub_endpoint: str = "https://huggingface.co"

    openai_api_key: SecretStr | None = None
    openai_base_url: str | None = None
    anthropic_api_key: SecretStr | None = None
    google_api_key: SecretStr | None = None
    groq_api_key: SecretStr | None = None
    # A Together-style fine-tuning service (`distillery provider-finetune --provider together`).
    together_api_key: SecretStr | None = None
    together_base_url: str | None = None
    # Rate limits of every provider and model that has none set in Settings → Providers (None: none).
    provider_default_rpm: int | None = Field(default=None, ge=1, le=MAX_RPM)
    provider_default_tpm: int | None = Field(default=None, ge=1, le=MAX_TPM)
    provider_default_max_concurrency: int | None = Field(default=None, ge=1, le=MAX_CONCURRENCY)

    config_dir: Path = Path("config")
    # Base models a fine-tune may start from besides the bundled one and the local Hugging Face cache:
    # model folders (config.json + weights) and .gguf files directly inside. Unset = DATA_DIR/models.
    finetune_models_dir: Path | None = None

    upload_max_bytes: int = Field(default=200 * 1024 * 1024, gt=0)

    job_chunk_size: int = Field(default=20, ge=1, le=10_000)
    job_item_concurrency: int = Field(default=8, ge=1, le=256)
    job_lease_seconds: float = Field(default=120.0, gt=0)
    job_max_item_attempts: int = Field(default=5, ge=1)
    job_max_variants: int = Field(default=3, ge=0)
    job_task_slice_seconds: float = Field(default=60.0, gt=0, le=800)
    # How often a provider fine-tune's worker asks the provider for its job's status and events.
    provider_finetune_poll_seconds: float = Field(default=15.0, gt=0, le=3600)
    job_reconcile_seconds: float = Field(default=15.0, gt=0)
    job_call_timeout_seconds: float = Field(default=120.0, gt=0)
    # A wizard's preview nobody discarded (the tab closed, the full run started instead) is deleted with
    # its rows this long after it ended; its ledger rows stay.
    preview_retention_seconds: float = Field(default=24 * 3600.0, gt=0)
    # Batch delivery: how often a pending provider batch is checked, and how many items one worker
    # process works on at once (each waits for its batch, so they are gathered into one).
    job_batch_poll_seconds: float = Field(default=60.0, gt=0)
    job_batch_item_concurrency: int = Field(default=256, ge=1, le=10_000)

    prometheus_multiproc_dir: Path | None = None
    worker_metrics_port: int = Field(default=0, ge=0, le=65535)
    metrics_token: SecretStr | None = None
    metrics_allowed_networks: str | None = None

    # Quotas per role (None: no limit). Viewers start no work, so they have no settings of their own.
    quota_editor_max_job_rows: int | None = Field(default=100_000, ge=1)
    quota_editor_max_active_jobs: int | None = Field(default=5, ge=1)
    quota_editor_tasks_per_minute: int | None = Field(default=10, ge=1)
    quota_admin_max_job_rows: int | None = Field(default=None, ge=1)
    quota_admin_max_active_jobs: int | None = Field(default=None, ge=1)
    quota_admin_tasks_per_minute: int | None = Field(default=None, ge=1)

    @field_validator(
        "quota_editor_max_job_rows",
        "quota_editor_max_active_jobs",
        "quota_editor_tasks_per_minute",
        "quota_admin_max_job_rows",
        "quota_admin_max_active_jobs",
        "quota_admin_tasks_per_minute",
        "provider_default_rpm",
        "provider_default_tpm",
        "provider_default_max_concurrency",
        mode="before",
    )
    @classmethod
    def _empty_is_unlimited(cls, value: object) -> object:
        # `QUOTA_EDITOR_MAX_JOB_ROWS=` in a .env file means "no limit", as leaving it out does for admins.
        unlimited = isinstance(value, str) and value.strip().lower() in ("", "none", "unlimited")
        return None if unlimited else value

    @field_validator("public_url")
    @classmethod
    def _public_url_has_an_origin(cls, value: str | None) -> str | None:
        if value and origin_of(value) is None:
            raise ValueError(
                f"PUBLIC_URL: {value!r} is not an http(s) URL like https://distillery.example.com"
            )
        return value

    @field_validator("trusted_origins")
    @classmethod
    def _origins_parse(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                parse_origins(value)
            except ValueError as exc:
                raise ValueError(f"TRUSTED_ORIGINS: {exc}") from exc
        return value

    @field_validator("metrics_allowed_networks")
    @classmethod
    def _networks_parse(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                parse_networks(value)
            except ValueError as exc:
                raise ValueError(f"METRICS_ALLOWED_NETWORKS: {exc}") from exc
        return value

    @model_validator(mode="after")
    def _refuse_placeholder_secrets(self) -> Settings:
        if self.environment == "development":
            return self
        if self.secret_key.get_secret_value() in PLACEHOLDER_SECRETS:
            raise ValueError(
                "SECRET_KEY is a placeholder; set a long random value (python -c 'import secrets; "
                f"print(secrets.token_urlsafe(48))') before running with ENVIRONMENT={self.environment}"
            )
        if self.first_admin_password is not None:
            if self.first_admin_password.get_secret_value() in PLACEHOLDER_SECRETS:
                raise ValueError("FIRST_ADMIN_PASSWORD is a placeholder; choose a real password")
        if self.encryption_key is not None and self.encryption_key.get_secret_value() in PLACEHOLDER_SECRETS:
            raise ValueError("ENCRYPTION_KEY is a placeholder; set a long random value or leave it unset")
        if self.metrics_token is not None and self.metrics_token.get_secret_value() in PLACEHOLDER_SECRETS:
            raise ValueError("METRICS_TOKEN is a placeholder; set a long random value or leave it unset")
        return self

    @property
    def embedded(self) -> bool:
        """True when no database server is configured: SQLite file plus a broker that needs no server."""
        return self.database_url is None

    @property
    def sqlalchemy_url(self) -> str:
        """The async SQLAlchemy URL; bare ``postgresql://`` URLs are given the asyncpg driver."""
        if self.database_url is None:
            return f"sqlite+aiosqlite:///{(self.data_dir / EMBEDDED_DB_FILE).resolve()}"
        url = self.database_url
        for prefix in ("postgres://", "postgresql://"):
            if url.startswith(prefix):
                return "postgresql+asyncpg://" + url[len(prefix) :]
        if url.startswith("sqlite:///"):
            return "sqlite+aiosqlite:///" + url[len("sqlite:///") :]
        return url

    @property
    def broker_url(self) -> str:
        """Celery's broker: explicit, else Redis, else a SQLite file that needs no server."""
        if self.celery_broker_url:
            return self.celery_broker_url
        if self.redis_url:
            return self.redis_url
        return f"sqla+sqlite:///{(self.data_dir / EMBEDDED_BROKER_FILE).resolve()}"

    @property
    def private_provider_urls_allowed(self) -> bool:
        """Whether provider base URLs may point at private or loopback addresses (local model servers)."""
        if self.allow_private_provider_urls is not None:
            return self.allow_private_provider_urls
        return self.environment == "development"

    @property
    def credentials_key(self) -> SecretStr:
        """The secret that provider API keys stored in the database are encrypted with."""
        return self.encryption_key or self.secret_key

    @property
    def metrics_multiproc_dir(self) -> Path:
        """Where workers keep their processes' metric files (one sub-folder per running worker)."""
        return self.prometheus_multiproc_dir or self.data_dir / "prometheus"

    @property
    def metrics_networks(self) -> tuple[IPv4Network | IPv6Network, ...]:
        """The networks allowed to read ``/metrics``; empty when any client may."""
        return parse_networks(self.metrics_allowed_networks or "")

    @property
    def is_sqlite(self) -> bool:
        """True when the application database is SQLite."""
        return self.sqlalchemy_url.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
