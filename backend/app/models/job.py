"""Generation and quality jobs, planned into items that workers lease, and the cost ledger.

Postgres holds every piece of state; Celery messages carry only a job id and a chunk number. An item
is one requested example (or one row to judge): its unique key makes "exactly N examples" a database
constraint, and its lease (owner, expiry, fence) lets a killed worker's items be taken over safely.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Enum,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, IdMixin, utcnow
from distillation.pipeline import Stage
from distillation.relabel import RELABEL_STAGE

Money = Numeric(18, 8)


class JobKind(enum.StrEnum):
    """What a job does."""

    generate = "generate"
    amplify = "amplify"
    quality = "quality"
    regenerate = "regenerate"
    relabel = "relabel"
    preference = "preference"


class JobStage(enum.StrEnum):
    """The stage a job is in and its items belong to (stored as these strings, shown as them in the API).

    A generation job goes ``seed`` → ``policy`` → ``bulk`` (the library's stages); a quality job has one
    ``judge`` stage, a regeneration one ``regenerate`` stage, a relabel job one ``relabel`` stage (the
    teacher answers the user's prompts), a preference job one ``preference`` stage (both answer, a judge
    compares them).
    """

    seed = Stage.seed
    policy = Stage.policy
    bulk = Stage.bulk
    judge = Stage.judge
    regenerate = "regenerate"
    relabel = RELABEL_STAGE
    preference = "preference"


class JobStatus(enum.StrEnum):
    """Life of a job; ``paused`` covers both a user's pause and an exhausted budget."""

    pending = "pending"
    running = "running"
    paused = "paused"
    completed = "completed"
    failed = "failed"
    cancelled = "cancelled"


class Job(IdMixin, Base):
    """A generation or quality job over one dataset."""

    __tablename__ = "jobs"

    kind: Mapped[JobKind] = mapped_column(Enum(JobKind, native_enum=False, length=16), index=True)
    status: Mapped[JobStatus] = mapped_column(
        Enum(JobStatus, native_enum=False, length=16), default=JobStatus.pending, index=True
    )
    pause_reason: Mapped[str | None] = mapped_column(String(200), default=None)
    dataset_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("datasets.id", ondelete="CASCADE"), index=True)
    owner_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    config: Mapped[dict[str, Any]] = mapped_column(JSON)
    stage: Mapped[str] = mapped_column(String(32), default=JobStage.seed)
    requested: Mapped[int] = mapped_column(Integer)
    budget_usd: Mapped[Decimal | None] = mapped_column(Money, default=None)
    spent_usd: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    reserved_usd: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    # Worst case of attempts whose cost can never be known (timeouts, a killed worker): counted
    # against the budget, never as spend.
    unknown_usd: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    policy: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    started_at: Mapped[datetime | None] = mapped_column(default=None)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
    progressed_at: Mapped[datetime | None] = mapped_column(default=None)


class GlobalBudget(Base):
    """The spending limit over every job (one row, id ``global``), kept like a job's budget."""

    __tablename__ = "global_budget"

    id: Mapped[str] = mapped_column(String(16), primary_key=True, default="global")
    limit_usd: Mapped[Decimal | None] = mapped_column(Money, default=None)
    spent_usd: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    reserved_usd: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    unknown_usd: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    # "total": the limit covers all spending; "month": spent and unknown start again at each calendar
    # month (UTC), from ``period_start`` on (money reserved by calls in flight carries over).
    period: Mapped[str] = mapped_column(String(8), default="total", server_default="total")
    period_start: Mapped[datetime | None] = mapped_column(default=None)


class ItemStatus(enum.StrEnum):
    """Life of one planned unit of work."""

    pending = "pending"
    leased = "leased"
    done = "done"
    rejected = "rejected"
    failed = "failed"


class JobItem(IdMixin, Base):
    """One planned unit of work of a job (one example to write, one row to judge)."""

    __tablename__ = "job_items"
    __table_args__ = (
        UniqueConstraint("job_id", "item_key", name="uq_job_items_job_key"),
        Index("ix_job_items_claim", "job_id", "stage", "status", "chunk"),
        Index("ix_job_items_lease", "status", "lease_expires_at"),
    )

    job_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"))
    item_key: Mapped[str] = mapped_column(String(64))
    stage: Mapped[str] = mapped_column(String(32))
    position: Mapped[int] = mapped_column(Integer)
    chunk: Mapped[int] = mapped_column(Integer)
    status: Mapped[ItemStatus] = mapped_column(
        Enum(ItemStatus, native_enum=False, length=16), default=ItemStatus.pending
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # Rejected rows are written again under a new variant (a new request), at most a capped number of times.
    variant: Mapped[int] = mapped_column(Integer, default=0)
    lease_owner: Mapped[str | None] = mapped_column(String(255), default=None)
    lease_expires_at: Mapped[datetime | None] = mapped_column(default=None)
    fence: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class CallStatus(enum.StrEnum):
    """A ledger row's state: reserved before the call, then closed once, as one of the other three.

    ``settled``: sent and answered (or refused); its cost is the provider-reported usage.
    ``unknown``: may have been sent, but no usage came back (a timeout, a dropped connection, a worker
    that died): its worst case stays counted against the budgets.
    ``not_sent``: the request never left the worker (its rate-limit check failed, no connection could
    be opened, or it was cancelled before it was sent): it cost nothing, its reservation given back.
    """

    reserved = "reserved"
    settled = "settled"
    unknown = "unknown"
    not_sent = "not_sent"


# The rows of attempts that went (or may have gone) to a provider: what analytics count as calls.
SENT_STATUSES = (CallStatus.settled, CallStatus.unknown)


class LlmCall(IdMixin, Base):
    """One attempt to call a provider: the unit of cost accounting."""

    __tablename__ = "llm_calls"
    __table_args__ = (Index("ix_llm_calls_job_status", "job_id", "status"),)

    job_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("jobs.id", ondelete="SET NULL"), default=None)
    item_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    dataset_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("datasets.id", ondelete="SET NULL"), index=True, default=None
    )
    item_key: Mapped[str | None] = mapped_column(String(64), default=None)
    stage: Mapped[str] = mapped_column(String(32))
    provider: Mapped[str] = mapped_column(String(64), index=True)
    model: Mapped[str] = mapped_column(String(200), index=True)
    fingerprint: Mapped[str] = mapped_column(String(64), index=True)
    attempt: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[CallStatus] = mapped_column(
        Enum(CallStatus, native_enum=False, length=16), default=CallStatus.reserved
    )
    outcome: Mapped[str | None] = mapped_column(String(32), default=None)
    reserved_usd: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    cost_usd: Mapped[Decimal | None] = mapped_column(Money, default=None)
    input_tokens: Mapped[int | None] = mapped_column(Integer, default=None)
    output_tokens: Mapped[int | None] = mapped_column(Integer, default=None)
    cached_tokens: Mapped[int | None] = mapped_column(Integer, default=None)
    latency_ms: Mapped[int | None] = mapped_column(Integer, default=None)
    # The provider batch that carried the attempt (billed at the batch rate); None when sent online.
    batch_id: Mapped[str | None] = mapped_column(String(200), default=None)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    settled_at: Mapped[datetime | None] = mapped_column(default=None)


class CachedResponse(Base):
    """A provider answer already paid for, keyed by the request fingerprint: resume never pays twice."""

    __tablename__ = "response_cache"

    fingerprint: Mapped[str] = mapped_column(String(64), primary_key=True)
    model_id: Mapped[str] = mapped_column(String(264))
    response: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class JobBatch(Base):
    """A provider batch a job's requests were submitted in: the service's batch journal.

    Written as soon as the provider accepts the batch, so a worker killed while it is pending leaves
    its id, and the next worker to lease the items polls it instead of submitting them again. The
    state and counts are the last poll's (``submitted`` until the first).
    """

    __tablename__ = "job_batches"

    job_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True)
    batch_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    model_id: Mapped[str] = mapped_column(String(264))
    # The request fingerprints the batch holds.
    fingerprints: Mapped[list[str]] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(32), default="submitted")
    total: Mapped[int] = mapped_column(Integer, default=0)
    answered: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ExampleBand(Base):
    """One MinHash-LSH band of an accepted example: near-duplicate candidates across worker processes."""

    __tablename__ = "example_bands"
    __table_args__ = (Index("ix_example_bands_lookup", "dataset_id", "band"),)

    example_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("examples.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    dataset_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    band: Mapped[int] = mapped_column(BigInteger)
