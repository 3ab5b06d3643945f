"""A fresh PostgreSQL database with a 1,000,000-example dataset, loaded with COPY in under a few minutes.

The schema comes from ``distillery migrate`` and the dataset row from the API; only the examples are
written directly (``COPY`` through asyncpg), in the shape the app writes them: chat messages of
300-600 bytes, ``search_text`` as the app derives it, judge scores and provenance.
"""

from __future__ import annotations

import json
import random
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import asyncpg

from app.datasets.service import search_text

HOST, PORT, USER = "127.0.0.1", 5432, "postgres"
BATCH = 50_000
COLUMNS = (
    "id",
    "dataset_id",
    "item_key",
    "position",
    "added_in",
    "status",
    "stage",
    "messages",
    "score",
    "scores",
    "provenance",
    "search_text",
    "created_at",
)
CRITERIA = ("content_quality", "alignment", "factual_correctness", "formatting", "training_utility")
# Each topic word is in about 1/12 of the rows (a broad search); each detail in about 1/60 (a narrow one).
TOPICS = {
    "refund": ("a damaged parcel", "a double charge", "a late delivery", "a cancelled plan", "a wrong size"),
    "invoice": ("a missing VAT number", "a wrong address", "a duplicate line", "a currency", "a due date"),
    "password": ("a locked account", "a reset e-mail", "two-factor codes", "a shared login", "an old device"),
    "contract": ("a renewal clause", "a termination notice", "a liability cap", "a signature", "an annex"),
    "dosage": ("a missed dose", "a child's weight", "a liver condition", "an interaction", "a generic drug"),
    "lesson": ("fractions", "photosynthesis", "the French revolution", "essay structure", "prime numbers"),
    "deployment": ("a failing health check", "a rollback", "a config map", "a memory limit", "a canary"),
    "budget": ("a hiring plan", "a marketing line", "a travel policy", "a quarterly forecast", "a reserve"),
    "negotiation": ("a discount", "a payment term", "a volume tier", "an exclusivity ask", "a pilot"),
    "summary": ("a board meeting", "a sprint review", "a client call", "an all-hands", "a design review"),
    "portfolio": ("bond duration", "currency risk", "a rebalancing rule", "fees", "an index fund"),
    "mentoring": ("a promotion case", "feedback style", "a career switch", "public speaking", "delegation"),
}
SEARCHES = ("refund", "deployment", "a liability cap", "two-factor codes")


@dataclass(frozen=True, slots=True)
class Database:
    """A throw-away database on the local server."""

    name: str

    @property
    def url(self) -> str:
        """Its URL, as DATABASE_URL."""
        return f"postgresql://{USER}@{HOST}:{PORT}/{self.name}"


async def create_database() -> Database:
    """A new, empty database with a unique name."""
    database = Database(f"distillery_bench_{uuid.uuid4().hex[:10]}")
    admin = await asyncpg.connect(host=HOST, port=PORT, user=USER, database="postgres")
    try:
        await admin.execute(f'CREATE DATABASE "{database.name}"')
    finally:
        await admin.close()
    return database


async def drop_database(database: Database) -> None:
    """Drop it, closing whatever is still connected."""
    admin = await asyncpg.connect(host=HOST, port=PORT, user=USER, database="postgres")
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{database.name}" WITH (FORCE)')
    finally:
        await admin.close()


def order_code(position: int) -> str:
    """The order number an example mentions: searching it finds exactly one example."""
    return f"QX-{position:07d}"


def chat(position: int, rng: random.Random) -> list[dict[str, str]]:
    """A support-style exchange of 300-600 bytes; topic and detail depend on the position."""
    topics = list(TOPICS)
    topic = topics[position % len(topics)]
    detail = TOPICS[topic][(position // len(topics)) % len(TOPICS[topic])]
    code = order_code(position)
    question = (
        f"Hello, I have a question about a {topic} for order {code}: it concerns {detail}. "
        f"What are my options, and how long will it take?"
    )
    steps = rng.sample(_STEPS, 3)
    answer = (
        f"Thanks for reaching out about order {code}. For a {topic} involving {detail}, here is what "
        f"usually happens: first, {steps[0]}; then {steps[1]}; finally, {steps[2]}. "
        f"Most cases like this are settled within {rng.randint(2, 14)} working days."
    )
    return [{"role": "user", "content": question}, {"role": "assistant", "content": answer}]


_STEPS = [
    "we confirm the details with you by e-mail",
    "a specialist reviews the request",
    "we check the payment records",
    "the warehouse inspects the returned item",
    "we update your account",
    "you receive a confirmation with a reference number",
    "a manager approves the exception",
    "we send a summary of the decision",
]


def records(dataset_id: uuid.UUID, start: int, stop: int, seed: int = 7) -> Iterator[tuple[Any, ...]]:
    """Rows ``start..stop-1`` of the dataset, as tuples in ``COLUMNS`` order."""
    rng = random.Random(seed + start)
    now = datetime.now(UTC)
    for position in range(start, stop):
        messages = chat(position, rng)
        scores = {c: round(rng.uniform(3, 10), 1) for c in CRITERIA}
        provenance = {
            "stage": "bulk",
            "model": "openai:gpt-4o-mini",
            "template": "student_bulk@3f9a2c1e",
            "scenario": {"domain": "customer_support", "tone": rng.choice(("calm", "upset", "formal"))},
            "tokens": {"input": rng.randint(200, 600), "output": rng.randint(80, 240)},
        }
        yield (
            uuid.uuid4(),
            dataset_id,
            f"item-{position:09d}",
            position,
            1,
            "active",
            "bulk" if position % 10 else "seed",
            json.dumps(messages),
            round(sum(scores.values()) / len(scores), 2),
            json.dumps(scores),
            json.dumps(provenance),
            search_text(messages),
            now,
        )


async def load_examples(database: Database, dataset_id: uuid.UUID, count: int) -> float:
    """COPY ``count`` examples into the dataset, make it count them, ANALYZE; returns the seconds taken.

    As bulk loads are done: the secondary indexes are dropped first and rebuilt after, from their own
    definitions (as ``distillery migrate`` made them), which is several times faster than updating them
    row by row.
    """
    began = time.monotonic()
    connection = await asyncpg.connect(database.url)
    try:
        indexes = await _secondary_indexes(connection)
        for name in indexes:
            await connection.execute(f'DROP INDEX "{name}"')
        for start in range(0, count, BATCH):
            rows = records(dataset_id, start, min(count, start + BATCH))
            await connection.copy_records_to_table("examples", records=rows, columns=COLUMNS)
        await connection.execute("SET maintenance_work_mem = '256MB'")
        for definition in indexes.values():
            await connection.execute(definition)
        await connection.execute("UPDATE datasets SET example_count = $2 WHERE id = $1", dataset_id, count)
        await connection.execute(
            "UPDATE dataset_versions SET example_count = $2 WHERE dataset_id = $1", dataset_id, count
        )
        await connection.execute("VACUUM ANALYZE examples")
    finally:
        await connection.close()
    return time.monotonic() - began


async def _secondary_indexes(connection: asyncpg.Connection) -> dict[str, str]:
    """Name -> CREATE INDEX statement of the examples' indexes that back no constraint."""
    rows = await connection.fetch(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'examples' AND indexname NOT IN "
        "(SELECT conname FROM pg_constraint WHERE conrelid = 'examples'::regclass)"
    )
    return {row["indexname"]: row["indexdef"] for row in rows}
