"""Alembic migrations apply on SQLite and PostgreSQL, go down and up again, and match the models."""

from __future__ import annotations

import asyncio

from alembic import command
from sqlalchemy import inspect, select

from app.auth.bootstrap import bootstrap_admin
from app.core.config import Settings
from app.core.db import create_engine
from app.core.migrate import alembic_config, check, upgrade
from app.models import Base, Example
from tests.datasets.factories import example, seed_dataset


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


async def test_search_text_written_before_folding_is_folded(any_settings: Settings) -> None:
    # Rows written before the search matched folded text are folded by the migration: more rows than
    # one of its batches (5,000), some already folded.
    await asyncio.to_thread(upgrade, any_settings, "f1a2b3c4d5e6")
    await bootstrap_admin(any_settings)
    texts = [f"Row {i}: Straße" if i % 3 else f"row {i}: already folded" for i in range(5_003)]
    rows = [example(i, search_text=text) for i, text in enumerate(texts)]
    dataset_id = await seed_dataset(any_settings, rows)
    await asyncio.to_thread(upgrade, any_settings)
    engine = create_engine(any_settings, pooled=False)
    async with engine.connect() as conn:
        stored = await conn.execute(
            select(Example.search_text).where(Example.dataset_id == dataset_id).order_by(Example.position)
        )
        folded = list(stored.scalars())
    await engine.dispose()
    assert folded == [text.casefold() for text in texts]
