"""Alembic migrations apply on SQLite and PostgreSQL, go down and up again, and match the models."""

from __future__ import annotations

import asyncio

from alembic import command
from sqlalchemy import inspect

from app.core.config import Settings
from app.core.db import create_engine
from app.core.migrate import alembic_config, check, upgrade
from app.models import Base


async def table_names(settings: Settings) -> set[str]:
    engine = create_engine(settings, pooled=False)
    async with engine.connect() as conn:
        names = await conn.run_sync(lambda sync: set(inspect(sync).get_table_names()))
    await engine.dispose()
    return names


async def test_upgrade_check_downgrade_upgrade(any_settings: Settings) -> None:
    await asyncio.to_thread(upgrade, any_settings)
    assert set(Base.metadata.tables) <= await table_names(any_settings)
    # `alembic check`: the models and the migrations describe the same schema.
    await asyncio.to_thread(check, any_settings)

    await asyncio.to_thread(command.downgrade, alembic_config(any_settings), "base")
    assert await table_names(any_settings) <= {"alembic_version"}

    await asyncio.to_thread(upgrade, any_settings)
    await asyncio.to_thread(check, any_settings)
