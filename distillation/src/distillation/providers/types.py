"""Value types of the provider layer: requests, usage, attempts and results."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

Role = Literal["system", "user", "assistant", "tool"]
FinishReason = Literal["stop", "length", "content_filter", "other"]
JsonSchema = dict[str, Any]
# A tool call in the OpenAI assistant shape: {"id", "type": "function", "function": {"name", "arguments"}}
# with ``arguments`` a JSON text, as chat completions and the fine-tuning format write it.
ToolCall = dict[str, Any]
M = TypeVar("M", bound=BaseModel)

# Generation settings that take part in the fingerprint; `None` means "provider default".
SETTING_NAMES = ("max_tokens", "temperature", "top_p", "seed", "stop")


class Message(BaseModel):
    """One chat message.

    Attributes:
        role: Who speaks; ``tool`` is the result of a tool call, sent back to the model.
        content: The text (may be empty on an assistant turn that only calls tools).
        tool_calls: An assistant turn's tool calls (OpenAI shape, see ``ToolCall``).
        tool_call_id: A tool turn's answer to this call id.
    """

    model_config = ConfigDict(frozen=True)

    role: Role
    content: str
    tool_calls: tuple[ToolCall, ...] = ()
    tool_call_id: str | None = None

    def openai(self) -> dict[str, Any]:
        """The message as chat completions (and the fine-tuning format) write it."""
        message: dict[str, Any] = {"role": self.role, "content": self.content}
        if self.tool_calls:
            message["tool_calls"] = list(self.tool_calls)
            message["content"] = self.content or None
        if self.tool_call_id is not None:
            message["tool_call_id"] = self.tool_call_id
        return message

    @classmethod
    def from_openai(cls, message: dict[str, Any]) -> Message:
        """A message from its chat-completions shape (``tool_calls``, ``tool_call_id`` kept)."""
        return cls(
            role=message["role"],
            content=message.get("content") or "",
            tool_calls=tuple(message.get("tool_calls") or ()),
            tool_call_id=message.get("tool_call_id"),
        )


class ChatRequest(BaseModel):
    """A model-agnostic chat request: the same request can go to a teacher, a student or a judge.

    Attributes:
        messages: The conversation, oldest first.
        max_tokens: Output token cap (also the tokens-per-minute reservation).
        temperature: Sampling temperature.
        top_p: Nucleus sampling.
        seed: Sampling seed where the provider supports one.
        stop: Stop sequences.
        response_schema: JSON schema the answer must satisfy; turns on structured output.
        schema_name: Name given to the schema (OpenAI `json_schema.name`, Anthropic tool name).
        template_hash: Hash of the prompt template that produced the messages (part of the fingerprint).
        provider_options: Extra provider-specific request fields, passed through unchanged.
        tools: Function tools offered to the model, as OpenAI function-tool schemas
            (``{"type": "function", "function": {"name", "description", "parameters"}}``); each
            adapter sends them in its provider's shape, and the answer's calls come back in
            ``ChatResult.tool_calls``, checked against these schemas.
        tool_choice: ``"auto"``, ``"required"``, ``"none"`` or the name of one tool the model must call;
            the provider's default (auto) when None.
    """

    model_config = ConfigDict(frozen=True)

    messages: tuple[Message, ...]
    max_tokens: int | None = Field(default=None, gt=0)
    temperature: float | None = Field(default=None, ge=0)
    top_p: float | None = Field(default=None, gt=0, le=1)
    seed: int | None = None
    stop: tuple[str, ...] | None = None
    response_schema: JsonSchema | None = None
    schema_name: str = Field(default="response", pattern=r"^[A-Za-z0-9_-]{1,64}$")
    template_hash: str = ""
    provider_options: dict[str, Any] = Field(default_factory=dict)
    tools: tuple[dict[str, Any], ...] = ()
    tool_choice: str | None = None

    @classmethod
    def from_prompt(cls, prompt: str, *, system: str | None = None, **settings: Any) -> ChatRequest:
        """Builds a request from one user prompt and an optional system prompt.

        Example:
            >>> ChatRequest.from_prompt("Say hi", max_tokens=8).messages[0].role
            'user'
        """
        messages = [Message(role="system", content=system)] if system else []
        messages.append(Message(role="user", content=prompt))
        return cls(messages=tuple(messages), **settings)

    def settings(self) -> dict[str, Any]:
        """Returns the generation settings that are set, sorted by name."""
        values = {name: getattr(self, name) for name in SETTING_NAMES}
        values.update(self.provider_options)
        return {
            k: (list(v) if isinstance(v, tuple) else v) for k, v in sorted(values.items()) if v is not None
        }

    def system_and_turns(self) -> tuple[str | None, list[Message]]:
        """Splits system messages (joined) from the user/assistant turns."""
        system = "\n\n".join(m.content for m in self.messages if m.role == "system")
        return (system or None), [m for m in self.messages if m.role != "system"]


@dataclass(frozen=True, slots=True)
class Usage:
    """Provider-reported token usage of one attempt, or the sum of several."""

    input_tokens: int = 0
    output_tokens: int = 0
    cached_input_tokens: int = 0
    reasoning_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        """Input plus output tokens."""
        return self.input_tokens + self.output_tokens

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.input_tokens + other.input_tokens,
            self.output_tokens + other.output_tokens,
            self.cached_input_tokens + other.cached_input_tokens,
            self.reasoning_tokens + other.reasoning_tokens,
        )

    @staticmethod
    def total(usages: Iterable[Usage | None]) -> Usage:
        """Sums the known usages (unknown ones, `None`, count as zero)."""
        result = Usage()
        for usage in usages:
            if usage is not None:
                result = result + usage
        return result


class Outcome(enum.StrEnum):
    """How one attempt ended."""

    OK = "ok"
    RATE_LIMITED = "rate_limited"
    SERVER_ERROR = "server_error"
    TIMEOUT = "timeout"
    CONNECTION_ERROR = "connection_error"
    INVALID_RESPONSE = "invalid_response"  # the HTTP body itself was unreadable
    INVALID_OUTPUT = "invalid_output"  # the model's answer failed JSON/schema validation
    LENGTH = "length"
    CONTENT_FILTER = "content_filter"
    AUTH_ERROR = "auth_error"
    CLIENT_ERROR = "client_error"
    CANCELLED = "cancelled"
    # The request never left the process (its rate-limit check failed or it was cancelled before it was
    # sent): nothing can have been billed, so its reservation is given back whole.
    NOT_SENT = "not_sent"


@dataclass(frozen=True, slots=True)
class RateLimitInfo:
    """The rate-limit state a provider's answer reports in its headers (None: not reported).

    Limits are per the provider's window (a minute for OpenAI's and Anthropic's requests and tokens);
    resets are seconds from the answer until the window frees what was used.
    """

    requests_limit: int | None = None
    requests_remaining: int | None = None
    requests_reset_s: float | None = None
    tokens_limit: int | None = None
    tokens_remaining: int | None = None
    tokens_reset_s: float | None = None


@dataclass(frozen=True, slots=True)
class Completion:
    """What an adapter returns for one successful HTTP exchange, before validation.

    `rate_limit` is the provider's rate-limit state from the answer's headers, when it sent any.
    """

    text: str
    finish_reason: FinishReason
    usage: Usage
    raw_finish_reason: str | None = None
    data: Any = None  # an already-parsed structured answer (e.g. Anthropic tool input)
    tool_calls: tuple[ToolCall, ...] = ()  # the answer's calls of offered tools, OpenAI shape
    response_model: str | None = None
    request_id: str | None = None
    rate_limit: RateLimitInfo | None = None


@dataclass(frozen=True, slots=True)
class Attempt:
    """One attempt to call a provider, as reported to observers and kept on results and errors.

    `usage` is `None` when the cost is unknown (timeouts, dropped connections, cancellation): the
    provider may still bill such attempts. `batch_id` names the provider batch that carried the
    attempt (billed at the batch rate); None for an online attempt.
    """

    model_id: str
    fingerprint: str
    number: int
    outcome: Outcome
    usage: Usage | None
    latency_s: float
    started_at: float
    status_code: int | None = None
    retry_after_s: float | None = None
    error: str | None = None
    request_id: str | None = None
    batch_id: str | None = None


@dataclass(frozen=True, slots=True)
class ChatResult:
    """The accepted answer of a `chat` call.

    Attributes:
        model_id: "provider:model" that answered.
        fingerprint: Deterministic request fingerprint (cache/resume key).
        text: The raw text of the accepted answer (JSON text for structured answers).
        data: The parsed, schema-valid JSON value when a schema was requested.
        finish_reason: Normalized finish reason of the accepted answer.
        usage: Usage summed over every attempt with known usage, failed ones included.
        attempts: Every attempt made, in order.
        repaired: True when the JSON needed json-repair before it validated.
        response_model: The model name the provider reported.
        tool_calls: The tools the answer calls (OpenAI shape), each checked against its tool's schema.
    """

    model_id: str
    fingerprint: str
    text: str
    finish_reason: FinishReason
    usage: Usage
    attempts: tuple[Attempt, ...]
    data: Any = None
    tool_calls: tuple[ToolCall, ...] = ()
    repaired: bool = False
    response_model: str | None = None

    def parsed(self, model: type[M]) -> M:
        """Returns `data` as an instance of a pydantic model."""
        return model.model_validate(self.data)
