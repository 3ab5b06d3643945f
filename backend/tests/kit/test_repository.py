"""The generic repository on a real database: get, list, count, offset and keyset pages, writes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import Settings
from app.core.db import create_engine, create_sessionmaker
from app.kit.pagination import Pagination
from app.kit.repository import Repository
from app.models import Role, User
from tests.conftest import ADMIN_EMAIL, migrate


class Users(Repository[User]):
    """The base alone, on a real model."""

    model = User


@asynccontextmanager
async def users(settings: Settings, count: int) -> AsyncIterator[Users]:
    """A repository over a migrated database holding the first admin and ``count`` viewers u00..."""
    await migrate(settings)
    engine = create_engine(settings, pooled=False)
    session: AsyncSession
    async with create_sessionmaker(engine)() as session:
        repository = Users(session)
        for i in range(count):
            await repository.create(User(email=f"u{i:02d}@test.local", password_hash="-", role=Role.viewer))
        yield repository
    await engine.dispose()


def emails(rows: list[User]) -> list[str]:
    return [row.email for row in rows]


async def test_get_list_and_count_filter_and_sort(any_settings: Settings) -> None:
    async with users(any_settings, 5) as repository:
        viewers = await repository.list(User.role == Role.viewer, order_by=[User.email.desc()], limit=3)
        found = await repository.get(viewers[0].id)
        assert emails(viewers) == ["u04@test.local", "u03@test.local", "u02@test.local"]
        assert found is viewers[0]
        assert await repository.count() == 6
        assert await repository.count(repository.statement().where(User.role == Role.admin)) == 1


async def test_paginate_gives_one_page_and_the_total_of_every_page(any_settings: Settings) -> None:
    async with users(any_settings, 5) as repository:
        viewers = repository.statement().where(User.role == Role.viewer)
        second, total = await repository.paginate(viewers, Pagination(2, 2), order_by=[User.email])
        beyond, beyond_total = await repository.paginate(viewers, Pagination(4, 2), order_by=[User.email])
        page = Pagination(2, 2).of(emails(second), total)
    assert (emails(second), total) == (["u02@test.local", "u03@test.local"], 5)
    assert (beyond, beyond_total) == ([], 5)
    assert page.model_dump() == {
        "items": ["u02@test.local", "u03@test.local"],
        "total": 5,
        "page": 2,
        "page_size": 2,
        "total_exact": True,
    }


async def test_keyset_pages_continue_after_the_last_key(any_settings: Settings) -> None:
    async with users(any_settings, 5) as repository:
        viewers = repository.statement().where(User.role == Role.viewer)
        keys = [User.email, User.id]
        first = await repository.keyset(viewers, keys, None, 3)
        second = await repository.keyset(viewers, keys, (first[-1].email, first[-1].id), 3)
    assert emails(first) == ["u00@test.local", "u01@test.local", "u02@test.local"]
    assert emails(second) == ["u03@test.local", "u04@test.local"]


async def test_update_and_delete_a_row_or_every_match(any_settings: Settings) -> None:
    async with users(any_settings, 3) as repository:
        first = (await repository.list(User.email == "u00@test.local"))[0]
        await repository.update(first, {"role": Role.editor})
        deactivated = await repository.update_where(User.role == Role.viewer, is_active=False)
        await repository.delete(first)
        removed = await repository.delete_where(User.is_active.is_(False))
        left = await repository.list()
        assert (deactivated, removed) == (2, 2)
        assert emails(left) == [ADMIN_EMAIL]
