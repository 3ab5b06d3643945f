"""Reviewers' decisions on the rows of a dataset, applied later as one new version.

A decision is kept per row (its item key) and reviewer. It points at the exact example row that was
reviewed, so a decision about a row that changed since is not applied to the new text; ``applied_in``
records the version that applied it.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Enum, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, IdMixin, TimestampMixin


class ReviewStatus(enum.StrEnum):
    """A reviewer's verdict on one row."""

    pending = "pending"
    accepted = "accepted"
    rejected = "rejected"
    edited = "edited"


class ReviewDecision(IdMixin, TimestampMixin, Base):
    """One reviewer's decision on one row of a dataset."""

    __tablename__ = "review_decisions"
    __table_args__ = (
        UniqueConstraint("dataset_id", "item_key", "reviewer_id", name="uq_review_decisions_row_reviewer"),
    )

    dataset_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("datasets.id", ondelete="CASCADE"))
    item_key: Mapped[str] = mapped_column(String(64))
    # The row that was reviewed and the version it was read at.
    example_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("examples.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    reviewer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[ReviewStatus] = mapped_column(Enum(ReviewStatus, native_enum=False, length=16))
    messages: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON, default=None)
    comment: Mapped[str] = mapped_column(Text, default="")
    rating: Mapped[int | None] = mapped_column(Integer, default=None)
    # The reviewer's 1-5 rating per criterion the judge scored the row on, by criterion name.
    criteria: Mapped[dict[str, int] | None] = mapped_column(JSON, default=None)
    # The label the reviewer gives a row of a classification dataset; applied when it differs.
    label: Mapped[str | None] = mapped_column(String(200), default=None)
    applied_in: Mapped[int | None] = mapped_column(Integer, default=None)
    decided_at: Mapped[datetime | None] = mapped_column(default=None)


class ReviewAssignment(IdMixin, TimestampMixin, Base):
    """A reviewer's share of a dataset: the current rows scored in a range (every row by default).

    While a reviewer has an assignment, their queue holds only its rows; unscored rows are in it only when
    neither bound is set.
    """

    __tablename__ = "review_assignments"
    __table_args__ = (UniqueConstraint("dataset_id", "reviewer_id", name="uq_review_assignments_reviewer"),)

    dataset_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("datasets.id", ondelete="CASCADE"))
    reviewer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    score_min: Mapped[float | None] = mapped_column(Float, default=None)
    score_max: Mapped[float | None] = mapped_column(Float, default=None)
    assigned_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
