"""Migrated databases for tests: built once per test process, then copied for each test.

Running every Alembic revision and creating the first admin cost each test a second or more (several
minutes of the suite). A copy of a database migrated once costs milliseconds: PostgreSQL clones a
template database (``CREATE DATABASE ... TEMPLATE``), SQLite copies a file. A copy holds what the
migrations and ``bootstrap_admin`` would have built: the schema at head and the same first admin.

Only a database that is still empty is replaced by a copy; anything else (a database a test already
wrote to, an explicit ``sqlite:///`` URL, a first admin with a generated password) gets the real
migrations. Tests of the migrations themselves call ``upgrade`` directly and never come here.

Each test process (each pytest-xdist worker too) builds its own templates under names no other
process or checkout uses, so nothing is shared, and drops them when its session ends.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import uuid
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy.engine import make_url

from app.auth.bootstrap import bootstrap_admin
from app.core.config import EMBEDDED_DB_FILE, Settings
from app.core.migrate import upgrade
from tests.services import POSTGRES_HOST, POSTGRES_PORT

# The first admin a template was built with: a copy is only right for settings with the same one.
AdminKey = tuple[str, str]
# Where a PostgreSQL server is and as whom to connect: asyncpg.connect's keyword arguments.
Server = dict[str, Any]

_SQLITE_SUFFIXES = ("", "-wal")


async def migrate_fully(settings: Settings) -> None:
    """Apply every migration (Alembic runs its own loop, so in a thread) and create the first admin."""
    await asyncio.to_thread(upgrade, settings)
    await bootstrap_admin(settings)


def _admin_key(settings: Settings) -> AdminKey | None:
    """The template a database for ``settings`` can be copied from; None when none can."""
    if settings.first_admin_password is None:
        return None  # a generated password is written to the data folder: build it for real
    return settings.first_admin_email, settings.first_admin_password.get_secret_value()


class Templates:
    """This process's migrated template databases, one per first admin and kind of database."""

    def __init__(self) -> None:
        self._run = f"{uuid.uuid4().hex[:12]}"
        self._postgres: dict[tuple[str, AdminKey], str] = {}
        self._servers: dict[str, Server] = {}
        self._sqlite: dict[AdminKey, Path] = {}
        self._folder: Path | None = None

    async def migrate(self, settings: Settings) -> None:
        """Bring ``settings``' database to head with its first admin, by copy where it is still empty."""
        key = _admin_key(settings)
        if key is not None:
            if settings.database_url is None and await self._copy_sqlite(settings, key):
                return
            if settings.sqlalchemy_url.startswith("postgresql") and await self._clone_postgres(settings, key):
                return
        await migrate_fully(settings)

    async def _copy_sqlite(self, settings: Settings, key: AdminKey) -> bool:
        target = settings.data_dir / EMBEDDED_DB_FILE
        if _exists(target):
            return False
        if key not in self._sqlite:
            if self._folder is None:
                self._folder = Path(tempfile.mkdtemp(prefix="distillery-test-templates-"))
            data_dir = self._folder / f"sqlite-{len(self._sqlite)}"
            await migrate_fully(settings.model_copy(update={"data_dir": data_dir}))
            self._sqlite[key] = data_dir / EMBEDDED_DB_FILE
        _copy_database_file(self._sqlite[key], target)
        return True

    async def _clone_postgres(self, settings: Settings, key: AdminKey) -> bool:
        url = make_url(settings.sqlalchemy_url)
        server: Server = {"host": url.host, "port": url.port or 5432, "user": url.username or "postgres"}
        if (url.host, url.port or 5432) != (POSTGRES_HOST, POSTGRES_PORT):
            return False  # a server a test started and stops itself: its templates would die with it
        if url.database is None or not await _is_empty(server, url.database):
            return False
        template = await self._postgres_template(settings, server, key)
        admin = await asyncpg.connect(**server, database="postgres")
        try:
            try:
                await admin.execute(f'DROP DATABASE "{url.database}"')
            except asyncpg.ObjectInUseError:
                return False  # the test holds a connection to it: leave it to the migrations
            await admin.execute(f'CREATE DATABASE "{url.database}" TEMPLATE "{template}"')
        finally:
            await admin.close()
        return True

    async def _postgres_template(self, settings: Settings, server: Server, key: AdminKey) -> str:
        where = f"{server['host']}:{server['port']}"
        if (where, key) not in self._postgres:
            name = f"distillery_tpl_{self._run}_{len(self._postgres)}"
            admin = await asyncpg.connect(**server, database="postgres")
            try:
                await admin.execute(f'CREATE DATABASE "{name}"')
            finally:
                await admin.close()
            url = make_url(settings.database_url or "").set(database=name)
            built = url.render_as_string(hide_password=False)
            await migrate_fully(settings.model_copy(update={"database_url": built}))
            self._postgres[(where, key)] = name
            self._servers[name] = server
        return self._postgres[(where, key)]

    async def drop(self) -> None:
        """Remove every template this process built."""
        for name, server in self._servers.items():
            try:
                admin = await asyncpg.connect(**server, database="postgres")
            except OSError:
                continue  # the server is gone, and its databases with it
            try:
                await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            finally:
                await admin.close()
        self._postgres.clear()
        self._servers.clear()
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None
        self._sqlite.clear()


async def _is_empty(server: Server, database: str) -> bool:
    """Whether ``database`` has no table yet (nothing migrated, nothing written)."""
    conn = await asyncpg.connect(**server, database=database)
    try:
        tables = await conn.fetchval("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
    finally:
        await conn.close()
    return bool(tables == 0)


def _exists(path: Path) -> bool:
    return path.exists()


def _copy_database_file(source: Path, target: Path) -> None:
    """Copy a SQLite database (and its write-ahead log, if one was left) into a new data folder."""
    target.parent.mkdir(parents=True, exist_ok=True)
    for suffix in _SQLITE_SUFFIXES:
        if Path(f"{source}{suffix}").exists():
            shutil.copyfile(f"{source}{suffix}", f"{target}{suffix}")
