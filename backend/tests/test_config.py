"""Settings: one object reads the environment, and .env.example documents every setting."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

from app.core.config import Settings

ROOT = Path(__file__).resolve().parents[2]
# Read by `next build` / `next dev`, not by the service.
FRONTEND_ONLY = {"NEXT_PUBLIC_API_BASE_URL", "DISTILLERY_API_URL"}


def documented_names() -> set[str]:
    text = (ROOT / ".env.example").read_text()
    return set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", text, flags=re.MULTILINE))


def test_every_setting_is_in_env_example_and_nothing_more() -> None:
    setting_names = {name.upper() for name in Settings.model_fields}
    documented = documented_names() - FRONTEND_ONLY
    assert setting_names - documented == set(), "settings missing from .env.example"
    assert documented - setting_names == set(), ".env.example names settings the code does not have"


def test_placeholder_admin_password_is_refused_in_production() -> None:
    with pytest.raises(ValidationError, match="FIRST_ADMIN_PASSWORD is a placeholder"):
        Settings(
            _env_file=None,
            environment="production",
            secret_key=SecretStr("x" * 48),
            first_admin_password=SecretStr("changethis"),
        )


def test_env_example_works_as_a_dot_env(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text((ROOT / ".env.example").read_text())
    settings = Settings(_env_file=env_file)
    assert settings.embedded
    assert settings.host == "127.0.0.1"


@pytest.mark.parametrize("environment", ["production", "test"])
@pytest.mark.parametrize("secret", ["changethis", ""])
def test_placeholder_secret_key_is_refused_outside_development(secret: str, environment: str) -> None:
    with pytest.raises(ValidationError, match="SECRET_KEY is a placeholder"):
        Settings(_env_file=None, environment=environment, secret_key=SecretStr(secret))


def test_placeholder_secret_key_is_allowed_in_development() -> None:
    assert Settings(_env_file=None, environment="development").secret_key.get_secret_value() == "changethis"


def test_database_urls_get_the_async_drivers(tmp_path: Path) -> None:
    pg = Settings(_env_file=None, database_url="postgresql://u:p@h:5432/d")
    assert pg.sqlalchemy_url == "postgresql+asyncpg://u:p@h:5432/d"
    embedded = Settings(_env_file=None, data_dir=tmp_path)
    assert embedded.sqlalchemy_url == f"sqlite+aiosqlite:///{tmp_path.resolve()}/distillery.db"
    assert embedded.broker_url == f"sqla+sqlite:///{tmp_path.resolve()}/broker.db"
    redis = Settings(_env_file=None, redis_url="redis://r:6379/0")
    assert redis.broker_url == "redis://r:6379/0"


def _reads_environment(tree: ast.AST) -> list[int]:
    # `os.environ[NAME] = value` hands a setting to a library that only reads the environment
    # (prometheus_client's PROMETHEUS_MULTIPROC_DIR): a write, not a read.
    writes = {
        id(node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Store)
    }
    lines = []
    for node in ast.walk(tree):
        if id(node) in writes:
            continue
        if isinstance(node, ast.Attribute) and node.attr in {"environ", "getenv", "environb"}:
            if isinstance(node.value, ast.Name) and node.value.id == "os":
                lines.append(node.lineno)
        if isinstance(node, ast.ImportFrom) and node.module == "os":
            if any(alias.name in {"environ", "getenv"} for alias in node.names):
                lines.append(node.lineno)
    return lines


def test_nothing_but_the_settings_reads_the_environment() -> None:
    offenders = []
    for package in (ROOT / "backend" / "app", ROOT / "distillation" / "src" / "distillation"):
        for path in package.rglob("*.py"):
            for line in _reads_environment(ast.parse(path.read_text(), str(path))):
                offenders.append(f"{path.relative_to(ROOT)}:{line}")
    assert offenders == [], "read settings through app.core.config.Settings instead"


def test_engine_commands_get_provider_keys_from_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    from app import cli
    from app.core.config import get_settings

    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-settings")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:11434/v1")
    get_settings.cache_clear()
    try:
        openai = cli.provider_credentials("openai")
        local_server = cli.provider_credentials("openai-compatible")
        assert cli.provider_credentials("local") is None
    finally:
        get_settings.cache_clear()
    assert openai is not None
    assert openai.api_key == "sk-from-settings"
    assert local_server is not None
    assert local_server.base_url == "http://127.0.0.1:11434/v1"
