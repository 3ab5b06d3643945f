"""Datasets, examples, versions and the dataset utilities as the API shows them."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from app.kit.schemas import Schema, Seed
from app.models import DatasetStatus, ExampleStatus

# A slug, so the value is safe in file names, URLs and filters.
DATA_TYPE_PATTERN = r"^[a-z][a-z0-9_-]{0,31}$"
# trl-dpo and openai-preference: a preference job's pairs (prompt / chosen / rejected).
ExportFormat = Literal[
    "jsonl", "json", "csv", "parquet", "openai", "alpaca", "sharegpt", "trl-dpo", "openai-preference"
]
DatasetSort = Literal["created_at", "name", "example_count"]
SortOrder = Literal["asc", "desc"]
OnError = Literal["fail", "skip"]
MAX_IDS = 10_000


class DatasetCreate(Schema):
    """A new, empty dataset."""

    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=10_000)
    data_type: str = Field(pattern=DATA_TYPE_PATTERN)
    domain: str | None = Field(default=None, max_length=100)
    subdomain: str | None = Field(default=None, max_length=100)


class DatasetUpdate(Schema):
    """Fields to change; only those sent are applied."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=10_000)
    domain: str | None = Field(default=None, max_length=100)
    subdomain: str | None = Field(default=None, max_length=100)


class DatasetRead(Schema):
    """A dataset without its examples."""

    id: uuid.UUID
    name: str
    description: str
    data_type: str
    domain: str | None
    subdomain: str | None
    status: DatasetStatus
    version: int
    example_count: int
    owner_id: uuid.UUID | None
    created_at: datetime
    updated_at: datetime | None


class VersionRead(Schema):
    """One version of a dataset and why it exists."""

    number: int
    reason: str
    example_count: int
    created_at: datetime


class ScoreBucket(Schema):
    """Examples of the current version with ``lower <= score < upper`` (the last bucket includes 10)."""

    lower: float
    upper: float
    count: int


class DatasetStats(Schema):
    """What the current version holds."""

    example_count: int
    score_histogram: list[ScoreBucket]
    unscored: int
    by_stage: dict[str, int]
    by_status: dict[str, int]
    current_version: VersionRead | None


class DatasetDetail(DatasetRead):
    """A dataset with statistics of its current version."""

    stats: DatasetStats


class RowError(Schema):
    """A row of an uploaded file that could not be read."""

    line: int
    reason: str


class UploadResult(Schema):
    """The dataset an upload created, the rows it skipped (with ``on_error=skip``) and what it ignored."""

    dataset: DatasetRead
    file_format: str
    stored: int
    skipped: int
    skipped_rows: list[RowError]
    warnings: list[RowError] = Field(
        default_factory=list,
        description="What stored rows left out (extra CSV columns, unknown keys), at its first line.",
    )


class ChatMessage(Schema):
    """One chat turn."""

    role: Literal["system", "user", "assistant"]
    content: str = Field(max_length=1_000_000)
    weight: Literal[0, 1] | None = None


class ExampleRead(Schema):
    """One example of a dataset version."""

    id: uuid.UUID
    dataset_id: uuid.UUID
    item_key: str
    position: int
    added_in: int
    removed_in: int | None
    status: ExampleStatus
    stage: str
    messages: list[dict[str, Any]]
    score: float | None
    cluster: str | None
    created_at: datetime


class ExampleDetail(ExampleRead):
    """An example with its typed record, all scores and where it came from."""

    record: dict[str, Any] | None
    scores: dict[str, Any] | None
    provenance: dict[str, Any]


class ExampleUpdate(Schema):
    """New messages for an example; saved as a new dataset version."""

    messages: list[ChatMessage] = Field(min_length=1, max_length=500)


class BulkAction(Schema):
    """An action over many examples of the current version, done as one new version."""

    action: Literal["remove"]
    ids: list[uuid.UUID] = Field(min_length=1, max_length=MAX_IDS)


class VersionChange(Schema):
    """The version a change created and how many examples it touched."""

    version: int
    affected: int
    example_count: int


class VersionCompare(Schema):
    """What changed between two versions, by item key (key lists capped at ``limit``)."""

    from_version: int
    to_version: int
    added: int
    removed: int
    changed: int
    added_keys: list[str]
    removed_keys: list[str]
    changed_keys: list[str]
    limit: int


ChangeKind = Literal["added", "removed", "changed"]


class RowChange(Schema):
    """A row added, removed or changed between two versions, with its messages in each."""

    item_key: str
    kind: ChangeKind
    before: list[dict[str, Any]] | None = Field(description="Messages in the older version (None: added).")
    after: list[dict[str, Any]] | None = Field(description="Messages in the newer version (None: removed).")


class ThresholdPoint(Schema):
    """How the current version's scored rows split at one minimum judge score."""

    min_score: float
    kept: int = Field(description="Scored rows at or above ``min_score``.")
    removed: int = Field(description="Scored rows below ``min_score``.")


class ScoreThresholds(Schema):
    """The current version partitioned at every step of the judge score range, from the stored scores."""

    version: int
    example_count: int
    scored: int
    unscored: int = Field(description="Rows with no judge score (not judged, or sampled out): always kept.")
    step: float
    points: list[ThresholdPoint] = Field(description="One per step from 0 to 10, in order.")


class ThresholdApply(Schema):
    """Keep the current rows scored at or above ``min_score`` (and the unscored ones) as a new version."""

    min_score: float = Field(ge=0, le=10)
    version: int | None = Field(
        default=None,
        ge=1,
        description="The version the counts were read from: if the dataset has changed since, nothing is "
        "removed and the answer is 409.",
    )


class MergeRequest(Schema):
    """Datasets to merge (same data type), in order, into a new one."""

    ids: list[uuid.UUID] = Field(min_length=2, max_length=50)
    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=10_000)


class SampleRequest(Schema):
    """A reproducible random sample of ``n`` examples as a new dataset."""

    n: int = Field(ge=1, le=10_000_000)
    seed: Seed = 0
    name: str | None = Field(default=None, min_length=1, max_length=200)


ConvertFormat = Literal["instruction", "sharegpt", "prompt_completion", "flat"]


class ConvertRequest(Schema):
    """Reshape every current row into what another record view can hold, as a new dataset."""

    format: ConvertFormat = Field(
        description="instruction (Alpaca, earlier turns as history), sharegpt, prompt_completion or flat "
        "(one system/user/assistant row: earlier turns are folded into the prompt)."
    )
    name: str | None = Field(default=None, min_length=1, max_length=200)
    on_error: OnError = Field(
        default="fail",
        description="A row the view cannot express: refuse the conversion, or leave the row out.",
    )


class ConversionLoss(Schema):
    """One kind of change the conversion made, with how many rows it touched."""

    kind: str
    detail: str = Field(description="What happened, as said of the first row it touched.")
    rows: int
    item_keys: list[str] = Field(description="The first rows it touched (at most 20).")


class SkippedRow(Schema):
    """A row left out because the target view cannot express it."""

    item_key: str
    reason: str


class ConvertResult(Schema):
    """The converted dataset and what the conversion changed or left out."""

    dataset: DatasetRead
    format: ConvertFormat
    converted: int
    lossy: int = Field(description="Rows the conversion changed or warns about (see losses).")
    skipped: int
    losses: list[ConversionLoss]
    skipped_rows: list[SkippedRow] = Field(description="The first rows left out (at most 20).")


class SplitRequest(Schema):
    """Split the current version into one new dataset per split, by a stable hash of each example."""

    ratios: dict[str, float] = Field(
        default_factory=lambda: {"train": 0.8, "validation": 0.1, "test": 0.1}, min_length=1, max_length=10
    )
    seed: Seed = 0


class SplitResult(Schema):
    """The datasets a split created, by split name."""

    datasets: dict[str, DatasetRead]
