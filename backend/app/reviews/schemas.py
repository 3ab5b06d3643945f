"""The review queue as the API shows it: the next row to review, a decision, progress, and applying."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import Field

from app.datasets.schemas import ChatMessage, ExampleDetail
from app.kit.schemas import Schema
from app.models import ReviewStatus


class DecisionUpdate(Schema):
    """A reviewer's verdict on one row; ``pending`` takes a decision back."""

    status: ReviewStatus
    messages: list[ChatMessage] | None = Field(
        default=None, min_length=1, max_length=500, description="the corrected messages; only with `edited`"
    )
    comment: str = Field(default="", max_length=10_000)
    rating: int | None = Field(
        default=None, ge=1, le=5, description="the reviewer's score of the row, 1 to 5"
    )


class DecisionRead(Schema):
    """A reviewer's decision on a row."""

    item_key: str
    example_id: uuid.UUID
    version: int
    reviewer_id: uuid.UUID
    status: ReviewStatus
    messages: list[dict[str, Any]] | None
    comment: str
    rating: int | None
    applied_in: int | None
    decided_at: datetime | None


class ReviewNext(Schema):
    """The next row of the current version that the caller has not decided on, if any."""

    version: int
    assigned: bool = Field(description="whether the queue holds only the rows assigned to the caller")
    pending: int = Field(description="rows of the current version (assigned to the caller) not decided on")
    example: ExampleDetail | None


class ReviewerProgress(Schema):
    """How far one reviewer is through the current version."""

    reviewer_id: uuid.UUID
    email: str
    accepted: int
    rejected: int
    edited: int


class ReviewProgress(Schema):
    """Every row of the current version by its latest decision, and each reviewer's counts."""

    version: int
    example_count: int
    pending: int
    accepted: int
    rejected: int
    edited: int
    to_apply: int = Field(description="rows a new version would remove or change")
    reviewers: list[ReviewerProgress]


class ReviewApply(Schema):
    """Apply the decisions not applied yet as one new version."""

    version: int | None = Field(
        default=None, ge=1, description="the version the reviewers saw; refused when the dataset is past it"
    )


class AssignmentCreate(Schema):
    """Assign the rows scored in a range (every row when no bound is set) to a reviewer."""

    email: str = Field(
        min_length=3, max_length=320, description="the reviewer's e-mail; an editor or an admin"
    )
    score_min: float | None = Field(default=None, ge=0, le=10, description="rows scored at least this")
    score_max: float | None = Field(default=None, ge=0, le=10, description="rows scored at most this")


class AssignmentRead(Schema):
    """A reviewer's share of the current version and how many of its rows they decided."""

    reviewer_id: uuid.UUID
    email: str
    score_min: float | None
    score_max: float | None
    rows: int
    decided: int
