"""Bodies of the playground: the request, the models it offers, and the events of its stream."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field, model_validator

from app.kit.schemas import Schema

MAX_COLUMNS = 6
MODEL_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*:\S+$"
ModelGroup = Literal["bundled", "tuned", "provider"]


class PlaygroundModel(Schema):
    """A model the playground offers; any other ``provider:model`` id may be typed in."""

    id: str
    group: ModelGroup
    label: str
    input_per_mtok: Decimal | None = None
    output_per_mtok: Decimal | None = None


class PlaygroundTurn(BaseModel):
    """One message of a column's conversation (the system message is the request's own)."""

    role: Literal["user", "assistant"]
    content: str = Field(max_length=100_000)


class PlaygroundColumn(Schema):
    """One model and its conversation so far, ending with the user's new message."""

    model: str = Field(min_length=3, max_length=264, pattern=MODEL_PATTERN)
    messages: list[PlaygroundTurn] = Field(min_length=1, max_length=64)

    @model_validator(mode="after")
    def _ends_with_the_user(self) -> PlaygroundColumn:
        if self.messages[-1].role != "user":
            raise ValueError("a column's conversation must end with the user's message")
        return self


class DecodingOptions(Schema):
    """How the models sample. ``greedy`` overrides temperature, top-p and top-k (temperature 0, top-k 1).

    ``top_k`` goes only to models whose API takes it (the bundled and tuned models, Anthropic, Gemini);
    the others answer without it and their column says so.
    """

    temperature: float | None = Field(default=None, ge=0, le=2)
    top_p: float | None = Field(default=None, gt=0, le=1)
    top_k: int | None = Field(default=None, ge=1, le=1000)
    max_tokens: int = Field(default=256, ge=1, le=4096)
    seed: int | None = Field(default=None, ge=0, le=2**31 - 1)
    greedy: bool = False


class PlaygroundChat(Schema):
    """One prompt (each column's conversation) sent to every column's model at once."""

    system: str | None = Field(default=None, max_length=20_000)
    columns: list[PlaygroundColumn] = Field(min_length=1, max_length=MAX_COLUMNS)
    options: DecodingOptions = Field(default_factory=DecodingOptions)


class ColumnStart(Schema):
    """``event: start``: the column's model was reached for."""

    column: int
    model: str
    notes: list[str] = Field(description="Options this model ignores (top-k where its API has none)")


class ColumnDelta(Schema):
    """``event: delta``: the next piece of the column's answer."""

    column: int
    text: str


class ColumnDone(Schema):
    """``event: done``: the column's answer is whole; what it cost and how long it took."""

    column: int
    text: str
    finish_reason: str
    input_tokens: int
    output_tokens: int
    cost_usd: Decimal | None = Field(description="Priced like the ledger; None when the model has no price")
    ttft_ms: int = Field(description="Milliseconds from the request to the answer's first text")
    total_ms: int


class ColumnError(Schema):
    """``event: error``: the column's model failed; the other columns go on."""

    column: int
    message: str
    status: int | None = Field(default=None, description="The provider's HTTP status, when there was one")
