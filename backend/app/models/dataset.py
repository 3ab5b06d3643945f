"""Datasets and their examples, with versions kept as ranges.

An example row is immutable content: an edit closes the old row (``removed_in``) and opens a new one
(``added_in``) in a new dataset version. Version N is every row with ``added_in <= N`` and
(``removed_in`` is null or ``> N``), so any version can be read or compared without copying rows.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Enum, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint, column
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, IdMixin, TimestampMixin, utcnow


class DatasetStatus(enum.StrEnum):
    """Whether a dataset can be used."""

    generating = "generating"
    ready = "ready"
    failed = "failed"
    # The rows of a wizard's preview job: shown on the preview, hidden from the datasets, discarded after.
    preview = "preview"


class Dataset(IdMixin, TimestampMixin, Base):
    """A named collection of training examples of one data type."""

    __tablename__ = "datasets"

    name: Mapped[str] = mapped_column(String(200), index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    data_type: Mapped[str] = mapped_column(String(32), index=True)
    domain: Mapped[str | None] = mapped_column(String(100), index=True, default=None)
    subdomain: Mapped[str | None] = mapped_column(String(100), default=None)
    status: Mapped[DatasetStatus] = mapped_column(
        Enum(DatasetStatus, native_enum=False, length=16), default=DatasetStatus.ready
    )
    version: Mapped[int] = mapped_column(Integer, default=1)
    example_count: Mapped[int] = mapped_column(Integer, default=0)
    owner_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True, default=None
    )
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class DatasetVersion(Base):
    """Why a version of a dataset exists (generation, quality job, bulk edit, upload...)."""

    __tablename__ = "dataset_versions"

    dataset_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("datasets.id", ondelete="CASCADE"), primary_key=True
    )
    number: Mapped[int] = mapped_column(Integer, primary_key=True)
    reason: Mapped[str] = mapped_column(String(200))
    example_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


# The predicates of the partial indexes below (as column expressions: the model builds no SQL text).
NEVER_REMOVED = column("removed_in").is_(None)
REMOVED = column("removed_in").is_not(None)


class ExampleStatus(enum.StrEnum):
    """Whether an example is part of its dataset."""

    active = "active"
    removed = "removed"


class Example(IdMixin, Base):
    """One training example: chat messages plus the typed record and where it came from."""

    __tablename__ = "examples"
    __table_args__ = (
        # One row per planned item per version range: a job can never write more examples than it planned.
        UniqueConstraint("dataset_id", "item_key", "added_in", name="uq_examples_item_version"),
        Index("ix_examples_dataset_live", "dataset_id", "removed_in", "position"),
        # The rows never removed, in dataset order, with what a page filters on: a page of the current
        # version (at any depth) is a walk of this index alone.
        Index(
            "ix_examples_dataset_order",
            "dataset_id",
            "position",
            "id",
            "added_in",
            "score",
            postgresql_where=NEVER_REMOVED,
            sqlite_where=NEVER_REMOVED,
        ),
        # The rows removed at some version, in dataset order: what an older version adds to the above.
        Index(
            "ix_examples_dataset_removed",
            "dataset_id",
            "position",
            "id",
            "removed_in",
            "added_in",
            postgresql_where=REMOVED,
            sqlite_where=REMOVED,
        ),
        # Substring search (ILIKE) on PostgreSQL; SQLite has no such index and scans.
        Index(
            "ix_examples_search_trgm",
            "search_text",
            postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
            info={"dialects": ("postgresql",)},
        ).ddl_if(dialect="postgresql"),
        Index("ix_examples_dataset_hash", "dataset_id", "content_hash"),
    )

    dataset_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("datasets.id", ondelete="CASCADE"))
    item_key: Mapped[str] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(Integer)
    added_in: Mapped[int] = mapped_column(Integer, default=1)
    removed_in: Mapped[int | None] = mapped_column(Integer, default=None)
    status: Mapped[ExampleStatus] = mapped_column(
        Enum(ExampleStatus, native_enum=False, length=16), default=ExampleStatus.active
    )
    stage: Mapped[str] = mapped_column(String(32), index=True)
    messages: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    record: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    score: Mapped[float | None] = mapped_column(Float, index=True, default=None)
    scores: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    provenance: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    cluster: Mapped[str | None] = mapped_column(String(64), index=True, default=None)
    search_text: Mapped[str] = mapped_column(Text, default="")
    # Hash of the normalised text (exact-duplicate checks of generation jobs across workers).
    content_hash: Mapped[str | None] = mapped_column(String(64), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
