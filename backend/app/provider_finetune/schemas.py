"""Provider fine-tune runs as the API shows them."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import Field, computed_field

from app.kit.schemas import Schema


class ProviderFinetuneRequest(Schema):
    """Fine-tune a provider's model on a dataset's current version, through the provider's API."""

    dataset_id: uuid.UUID
    provider: Literal["openai", "together"] = "openai"
    base_model: str = Field(min_length=1, max_length=200, examples=["gpt-4o-mini-2024-07-18"])
    name: str | None = Field(default=None, max_length=200)
    n_epochs: int | None = Field(default=None, ge=1, le=50)
    suffix: str | None = Field(default=None, max_length=40)
    seed: int | None = Field(default=None, ge=0, le=2**31 - 1)


class ProviderFinetuneRunRead(Schema):
    """A run: the provider's job, its events and loss curve, the model it made and its cost."""

    id: uuid.UUID
    name: str
    dataset_id: uuid.UUID
    dataset_version: int
    owner_id: uuid.UUID | None
    provider: str
    base_model: str
    config: dict[str, Any]
    status: str = Field(
        description="queued, then the provider's: validating_files, queued, running, succeeded, failed, "
        "cancelled"
    )
    cancel_requested: bool
    job_id: str | None
    examples: int | None
    events: list[dict[str, Any]]
    curve: list[list[float]]
    fine_tuned_model: str | None
    trained_tokens: int | None
    price_per_million: Decimal | None
    cost_usd: Decimal | None
    error: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

    @computed_field(description="The new model as a job's teacher or student (provider:model).")  # type: ignore[prop-decorator]
    @property
    def model_id(self) -> str | None:
        return f"{self.provider}:{self.fine_tuned_model}" if self.fine_tuned_model else None
