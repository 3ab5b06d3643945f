"""Provider fine-tunes: a dataset version sent to a provider's fine-tuning API, and the model it made."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, IdMixin, utcnow


class ProviderFinetuneRun(IdMixin, Base):
    """One fine-tuning job at a provider (OpenAI, or a Together-style service).

    ``status`` is ``queued`` until a worker uploads the file, then the provider's job status in
    OpenAI's terms (``validating_files``, ``queued``, ``running``, ``succeeded``, ``failed``,
    ``cancelled``). ``job_id`` is stored as soon as the provider created the job, so a worker that
    picks the run up again follows that job instead of creating another one.
    """

    __tablename__ = "provider_finetune_runs"

    dataset_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("datasets.id", ondelete="CASCADE"), index=True)
    dataset_version: Mapped[int] = mapped_column(Integer)
    owner_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    name: Mapped[str] = mapped_column(String(200))
    provider: Mapped[str] = mapped_column(String(64))
    base_model: Mapped[str] = mapped_column(String(200))
    config: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # n_epochs, suffix, seed
    status: Mapped[str] = mapped_column(String(32), default="queued", index=True)
    cancel_requested: Mapped[bool] = mapped_column(default=False)
    file_id: Mapped[str | None] = mapped_column(String(200), default=None)
    job_id: Mapped[str | None] = mapped_column(String(200), default=None)
    examples: Mapped[int | None] = mapped_column(Integer, default=None)
    # The provider's events, oldest first: {id, created_at, level, message, step, train_loss}.
    events: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # [[step, train loss], ...] from the metrics events.
    curve: Mapped[list[list[float]]] = mapped_column(JSON, default=list)
    fine_tuned_model: Mapped[str | None] = mapped_column(String(300), default=None, index=True)
    trained_tokens: Mapped[int | None] = mapped_column(Integer, default=None)
    price_per_million: Mapped[Decimal | None] = mapped_column(Numeric(18, 8), default=None)
    cost_usd: Mapped[Decimal | None] = mapped_column(Numeric(18, 8), default=None)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    started_at: Mapped[datetime | None] = mapped_column(default=None)
    # Renewed at every poll of the job: a run whose heartbeat stopped lost its worker.
    heartbeat_at: Mapped[datetime | None] = mapped_column(default=None)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
