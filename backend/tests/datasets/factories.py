"""Rows for dataset tests, written straight to the database, and a logged-in client per role."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from sqlalchemy import select

from app.auth.security import hash_password
from app.core.config import Settings
from app.core.db import create_engine, create_sessionmaker
from app.datasets.service import search_text
from app.models import Dataset, DatasetVersion, Example, Role, User
from tests.conftest import ADMIN_EMAIL, api_client, login

PASSWORD = "a test password"


def chat(user: str, assistant: str, system: str | None = None) -> list[dict[str, Any]]:
    """A chat's messages."""
    head = [{"role": "system", "content": system}] if system else []
    return [*head, {"role": "user", "content": user}, {"role": "assistant", "content": assistant}]


def jsonl(*records: object) -> bytes:
    """JSON Lines bytes of the records (strings are written as they are)."""
    return b"".join((r if isinstance(r, str) else json.dumps(r)).encode() + b"\n" for r in records)


async def add_user(settings: Settings, role: Role) -> str:
    """A user with ``role``; returns the e-mail."""
    email = f"{role.value}-{uuid.uuid4().hex[:6]}@test.local"
    engine = create_engine(settings, pooled=False)
    async with create_sessionmaker(engine)() as session:
        session.add(User(email=email, password_hash=hash_password(PASSWORD), role=role))
        await session.commit()
    await engine.dispose()
    return email


@asynccontextmanager
async def client_as(settings: Settings, role: Role | None = None) -> AsyncIterator[httpx.AsyncClient]:
    """The API logged in as the first admin, or as a new user of ``role``."""
    email = await add_user(settings, role) if role else None
    async with api_client(settings) as client:
        if email:
            await login(client, email, PASSWORD)
        else:
            await login(client)
        yield client


def example(position: int, **fields: Any) -> dict[str, Any]:
    """Column values of an example; messages default to a numbered question and answer."""
    messages = fields.pop("messages", chat(f"question {position}", f"answer {position}"))
    return {
        "item_key": f"k{position:04d}",
        "position": position,
        "stage": "generated",
        "messages": messages,
        "search_text": search_text(messages),
        **fields,
    }


async def seed_dataset(
    settings: Settings, examples: int | list[dict[str, Any]] = 0, owner: str = ADMIN_EMAIL, **fields: Any
) -> uuid.UUID:
    """A dataset at version 1 with ``examples`` (a count or column values), owned by ``owner``."""
    rows = [example(i) for i in range(examples)] if isinstance(examples, int) else examples
    engine = create_engine(settings, pooled=False)
    async with create_sessionmaker(engine)() as session:
        owner_id = await session.scalar(select(User.id).where(User.email == owner))
        values = {"name": "seeded", "data_type": "qa", "description": ""} | fields
        # The count the app keeps: the examples of version 1 (rows removed in it are not).
        live = sum(1 for r in rows if r.get("added_in", 1) <= 1 and (r.get("removed_in") or 2) > 1)
        dataset = Dataset(**values, owner_id=owner_id, version=1, example_count=live)
        session.add(dataset)
        await session.flush()
        session.add(DatasetVersion(dataset_id=dataset.id, number=1, reason="seed", example_count=live))
        session.add_all([Example(dataset_id=dataset.id, **row) for row in rows])
        await session.commit()
        dataset_id = dataset.id
    await engine.dispose()
    return dataset_id
