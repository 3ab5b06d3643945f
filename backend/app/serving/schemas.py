"""Bodies of the OpenAI-compatible endpoint, in OpenAI's chat-completions schema (the fields served)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class OpenAIErrorDetail(BaseModel):
    """What went wrong, as OpenAI says it (``code``: ``invalid_api_key``, ``model_not_found``, ...)."""

    message: str
    type: str
    param: str | None = None
    code: str | None = None


class OpenAIError(BaseModel):
    """The error body of the ``/v1`` endpoints (OpenAI's shape, which its SDKs turn into exceptions)."""

    error: OpenAIErrorDetail


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses=`` entries for the ``/v1`` errors."""
    return {status: {"model": OpenAIError, "description": "An OpenAI-shaped error"} for status in statuses}


class ConversationMessage(BaseModel):
    """One message of the conversation (text content only)."""

    role: Literal["system", "user", "assistant"]
    content: str = Field(max_length=1_000_000)


class StreamOptions(BaseModel):
    """``include_usage``: send a last chunk with the usage, as OpenAI does."""

    include_usage: bool = False


class ChatCompletionCreate(BaseModel):
    """A chat-completions request; fields the served models do not use (``user``, ...) are ignored."""

    model_config = ConfigDict(extra="ignore")

    model: str = Field(min_length=1, max_length=264)
    messages: list[ConversationMessage] = Field(min_length=1, max_length=256)
    max_tokens: int | None = Field(default=None, ge=1, le=4096)
    max_completion_tokens: int | None = Field(default=None, ge=1, le=4096)
    temperature: float | None = Field(default=None, ge=0, le=2)
    top_p: float | None = Field(default=None, gt=0, le=1)
    seed: int | None = None
    stop: str | list[str] | None = None
    n: Literal[1] = 1
    stream: bool = False
    stream_options: StreamOptions | None = None


class CompletionUsage(BaseModel):
    """Tokens of the prompt and of the answer."""

    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class AssistantMessage(BaseModel):
    """The model's answer."""

    role: Literal["assistant"] = "assistant"
    content: str


class Choice(BaseModel):
    """The one answer (``n`` is 1)."""

    index: int = 0
    message: AssistantMessage
    finish_reason: str


class ChatCompletion(BaseModel):
    """A whole answer (``stream: false``)."""

    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[Choice]
    usage: CompletionUsage


class ServedModel(BaseModel):
    """One servable model."""

    id: str
    object: Literal["model"] = "model"
    created: int
    owned_by: str


class ServedModelList(BaseModel):
    """The models ``/v1/chat/completions`` serves."""

    object: Literal["list"] = "list"
    data: list[ServedModel]


def chunk(completion_id: str, created: int, model: str, delta: dict[str, Any], finish: str | None) -> str:
    """One ``chat.completion.chunk`` as an SSE event."""
    body = ChatCompletionChunk(
        id=completion_id, created=created, model=model,
        choices=[{"index": 0, "delta": delta, "finish_reason": finish}],
    )  # fmt: skip
    return f"data: {body.model_dump_json()}\n\n"


class ChatCompletionChunk(BaseModel):
    """A piece of a streamed answer."""

    id: str
    object: Literal["chat.completion.chunk"] = "chat.completion.chunk"
    created: int
    model: str
    choices: list[dict[str, Any]]
    usage: CompletionUsage | None = None
