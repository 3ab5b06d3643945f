"""Alembic migrations apply on SQLite and PostgreSQL, go down and up again, and match the models."""

from __future__ import annotations

import asyncio

from alembic import command
from sqlalchemy import insert, inspect, select

from app.auth.bootstrap import bootstrap_admin
from app.core.config import Settings
from app.core.db import create_engine
from app.core.migrate import alembic_config, check, upgrade
from app.models import ApiToken, Base, Example, Role, User
from tests.datasets.factories import add_user, example, seed_dataset


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


async def test_tokens_made_before_scopes_get_the_scope_of_their_users_role(any_settings: Settings) -> None:
    # Such tokens acted with their user's role: the scope that stands for it keeps them as they were.
    await asyncio.to_thread(upgrade, any_settings, "b8d4f6a2c9e1")
    emails = {role: await add_user(any_settings, role) for role in Role}
    engine = create_engine(any_settings, pooled=False)
    async with engine.begin() as conn:
        for role, email in emails.items():
            owner = (await conn.execute(select(User.id).where(User.email == email))).scalar_one()
            # Only the columns of that revision: the model's ``scope`` is left out.
            columns = {"user_id": owner, "name": role.value, "token_hash": role.value, "prefix": "dst_"}
            await conn.execute(insert(ApiToken).values(columns))
    await asyncio.to_thread(upgrade, any_settings)
    async with engine.connect() as conn:
        scopes = dict((await conn.execute(select(ApiToken.name, ApiToken.scope))).all())
    await engine.dispose()
    assert scopes == {"viewer": "read", "editor": "write", "admin": "admin"}
