"""The Hub token (write-only: only its last 4 characters come back) and a push request."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field, SecretStr, field_validator

from app.kit.schemas import Schema

ModelOutput = Literal["adapter", "merged", "gguf"]
REPO_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,95}/[A-Za-z0-9][A-Za-z0-9_.-]{0,95}$"


class HubTokenWrite(Schema):
    """A Hugging Face access token with write rights; never returned by any answer."""

    token: SecretStr = Field(min_length=1, max_length=1000)

    @field_validator("token")
    @classmethod
    def _printable(cls, value: SecretStr) -> SecretStr:
        token = value.get_secret_value().strip()
        if not token or not all("!" <= c <= "~" for c in token):
            raise ValueError("token must be printable ASCII without spaces")
        return SecretStr(token)


class HubSettingsRead(Schema):
    """Whether a Hub token is stored (its last 4 characters only) and the Hub's address."""

    configured: bool
    key_last4: str | None = None
    endpoint: str
    updated_at: datetime | None = None


class HubPushRequest(Schema):
    """Where and how to push a dataset version."""

    repo_id: str = Field(pattern=REPO_PATTERN, description="'owner/name' of the dataset repo")
    private: bool = True
    format: Literal["parquet", "jsonl"] = "parquet"
    splits: str | None = Field(
        default=None,
        max_length=200,
        description="Split ratios, e.g. 'train=0.8,validation=0.1,test=0.1'; one train split when omitted",
    )
    seed: int = Field(default=0, ge=0, le=2**31 - 1)
    version: int | None = Field(
        default=None, ge=1, description="The version to push; the current one when omitted"
    )


class HubModelPushRequest(Schema):
    """Where to push a completed fine-tune run, and which of its outputs."""

    repo_id: str = Field(pattern=REPO_PATTERN, description="'owner/name' of the model repo")
    private: bool = True
    outputs: list[ModelOutput] = Field(
        default_factory=lambda: list[ModelOutput](["adapter"]),
        min_length=1,
        max_length=3,
        description="What to push: the LoRA adapter, the merged model, the GGUF files (with the Modelfile)",
    )
