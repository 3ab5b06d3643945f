"""The review queue as the API shows it: the next row to review, a decision, progress, and applying."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import Field, StringConstraints

from app.datasets.schemas import ChatMessage, ExampleDetail
from app.kit.schemas import Schema
from app.models import ReviewStatus

DISAGREEMENTS_SHOWN = 200
MAX_CRITERIA = 50

Rating = Annotated[int, Field(ge=1, le=5)]
CriterionName = Annotated[str, StringConstraints(min_length=1, max_length=100)]


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
    criteria: dict[CriterionName, Rating] | None = Field(
        default=None,
        max_length=MAX_CRITERIA,
        description="the reviewer's score, 1 to 5, per criterion the judge scored the row on (its `scores`)",
    )
    label: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="the correct label of a classification row (one of `labels` of the review's next row); "
        "with `accepted` or `rejected`. An accepted row's label is written into it when applied",
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
    criteria: dict[str, int] | None
    label: str | None
    applied_in: int | None
    decided_at: datetime | None


class ReviewNext(Schema):
    """The next row of the current version that the caller has not decided on, if any."""

    version: int
    assigned: bool = Field(description="whether the queue holds only the rows assigned to the caller")
    pending: int = Field(description="rows of the current version (assigned to the caller) not decided on")
    example: ExampleDetail | None
    label: str | None = Field(
        default=None, description="the row's label, for a row of a classification dataset"
    )
    labels: list[str] | None = Field(
        default=None,
        description="the labels a reviewer may give the row: its record's own `labels`, else every label "
        "of the dataset's current rows; null unless the dataset is a classification dataset",
    )


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
    to_apply: int = Field(description="rows a new version would remove or change (edits and new labels)")
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


class Confusion(Schema):
    """The scored gold rows by the human's verdict and the judge's at the threshold."""

    both_keep: int = Field(description="accepted or edited by the human, scored at or above the threshold")
    human_keep_judge_remove: int = Field(description="accepted or edited, scored below the threshold")
    human_remove_judge_keep: int = Field(description="rejected, scored at or above the threshold")
    both_remove: int = Field(description="rejected, scored below the threshold")


class ThresholdAgreement(Schema):
    """How far the judge agrees with the humans when it keeps the rows scored at least ``threshold``."""

    threshold: float
    kappa: float | None = Field(
        description="Cohen's kappa on keep/remove; null when it is undefined (both sides chose one verdict)"
    )
    agreement: float = Field(description="the share of scored gold rows where judge and human agree")


class Disagreement(Schema):
    """A gold row where the human and the judge disagree at the threshold."""

    example_id: uuid.UUID
    item_key: str
    position: int
    current: bool = Field(description="whether the row is in the current version")
    question: str = Field(description="the row's first user message, cut to 300 characters")
    score: float
    reasons: dict[str, Any] = Field(description="the judge's reasons: its scores per criterion")
    human: str = Field(description="`keep` (accepted or edited) or `remove` (rejected)")
    status: ReviewStatus
    rating: int | None
    comment: str
    reviewer: str


class CriterionAgreement(Schema):
    """The reviewers' 1-5 ratings of one judge criterion against the judge's score on it."""

    criterion: str
    rated: int = Field(description="gold rows whose reviewer rated this criterion and the judge scored it")
    spearman: float | None = Field(
        description="Spearman's rho of rating against the judge's criterion score; null under 3 rated rows "
        "or when either side is constant"
    )
    spearman_p: float | None = Field(description="the two-sided p-value of rho")


class LabelPair(Schema):
    """How many labelled gold rows had this dataset label and got this label from the reviewer."""

    dataset_label: str | None = Field(description="the label of the row the reviewer read")
    reviewer_label: str
    rows: int


class LabelAgreement(Schema):
    """The dataset's labels against the reviewers' on the gold rows of a classification dataset."""

    labelled: int = Field(description="gold rows with a reviewer's label")
    agreement: float | None = Field(
        description="the share of labelled gold rows whose label the reviewer kept; null for none"
    )
    confusion: list[LabelPair] = Field(description="every (dataset label, reviewer label) pair seen, sorted")


class Calibration(Schema):
    """The judge's stored scores against the dataset's gold set: its reviewed rows, latest decision each."""

    version: int
    threshold: float = Field(description="the minimum score the judge keeps at, for kappa and the matrix")
    gold: int = Field(description="reviewed rows (latest decision per row), of any version")
    scored: int = Field(description="gold rows with a judge score")
    unscored: int = Field(description="gold rows without a judge score: left out of every number")
    rated: int = Field(description="scored gold rows with a 1-5 rating by the reviewer")
    spearman: float | None = Field(
        description="Spearman's rho of rating against judge score; null under 3 rated rows or when either "
        "side is constant"
    )
    spearman_p: float | None = Field(description="the two-sided p-value of rho")
    kappa: float | None
    agreement: float
    confusion: Confusion
    recommended: ThresholdAgreement = Field(
        description="the observed score that maximises kappa (ties: higher agreement, then lower threshold)"
    )
    candidates: list[ThresholdAgreement] = Field(description="every candidate threshold, lowest first")
    disagreements: list[Disagreement] = Field(description=f"at most {DISAGREEMENTS_SHOWN}, by position")
    disagreement_count: int
    criteria: list[CriterionAgreement] = Field(
        default_factory=list,
        description="per judge criterion the reviewers rated, by name: rating against criterion score, over "
        "every gold row (scored overall or not)",
    )
    labels: LabelAgreement | None = Field(
        default=None, description="label agreement on a classification dataset's gold rows; else null"
    )
