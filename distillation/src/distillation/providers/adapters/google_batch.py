"""Gemini batch mode through the Google Gen AI SDK: inlined generateContent requests in, inlined
responses out.

``client.aio.batches.create(model=..., src=[InlinedRequest, ...])`` posts
``/v1beta/models/{model}:batchGenerateContent``; ``client.aio.batches.get(name=...)`` reads
``/v1beta/batches/{id}``. Both answer a long-running operation whose metadata holds the batch's
state (``JOB_STATE_PENDING``, ``RUNNING``, ``SUCCEEDED``, ``FAILED``, ``EXPIRED``, ``CANCELLED`` in
the SDK's words) and, once it succeeded, ``dest.inlined_responses`` in the order of the requests,
each a response or an error. Each request carries its custom id in its ``metadata`` (``key``), so
the answers are matched by key, not by position. A request with no answer in an ended batch (the
batch expired, failed or was cancelled before reaching it) comes back as a `BatchExpiredError`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from distillation.providers.batch import BatchExpiredError, BatchResults, BatchStatus
from distillation.providers.errors import (
    ConfigurationError,
    InvalidResponseError,
    ProviderError,
    error_for_status,
)
from distillation.providers.types import ChatRequest, Completion
from distillation.providers.wire.google import generate_params, parse_generate

# The SDK's job states (it renames the API's BATCH_STATE_* to these) in which a batch changes no more.
ENDED_STATES = frozenset(
    {"JOB_STATE_SUCCEEDED", "JOB_STATE_FAILED", "JOB_STATE_EXPIRED", "JOB_STATE_CANCELLED"}
)

# Gemini's limit on a batch of inlined requests (the whole batchGenerateContent body).
MAX_INLINED_BYTES = 20_000_000

# Maps an SDK error to a ProviderError (the adapter's mapping of `google.genai.errors.APIError`).
MapError = Callable[[Exception], ProviderError]


class BatchTooLargeError(ProviderError):
    """The requests are too large for one batch of inlined requests; nothing was submitted."""

    retryable = False


class GoogleBatchAPI:
    """Gemini batch mode (see `distillation.providers.batch.BatchAPI`).

    Args:
        types: The `google.genai.types` module.
        errors: The `google.genai.errors` module.
        client: Returns the adapter's `genai.Client` (built on first use).
        model: The model every request of a batch goes to.
        map_error: Maps the SDK's `APIError` to a ProviderError.
    """

    def __init__(
        self, types: Any, errors: Any, client: Callable[[], Any], model: str, map_error: MapError
    ) -> None:
        self._types, self._errors, self._client, self.model = types, errors, client, model
        self._map_error = map_error
        # Requests per batch submitted by this process (the API reports no counts before results).
        self._sizes: dict[str, int] = {}

    async def submit(self, requests: Sequence[tuple[str, ChatRequest]]) -> str:
        """Creates a batch of inlined requests, each keyed by its custom id in its metadata."""
        inlined = [self._inlined(key, request) for key, request in requests]
        size = sum(len(item.model_dump_json(exclude_none=True)) for item in inlined)
        if size > MAX_INLINED_BYTES:  # refused before sending: the requests go online instead
            raise BatchTooLargeError(
                f"{len(inlined)} inlined requests are {size:,} bytes, over Gemini's {MAX_INLINED_BYTES:,}"
            )
        try:
            job = await self._client().aio.batches.create(model=self.model, src=inlined)
        except self._errors.APIError as exc:
            raise self._map_error(exc) from exc
        name = str(job.name)
        self._sizes[name] = len(inlined)
        return name

    def _inlined(self, key: str, request: ChatRequest) -> Any:
        contents, config = generate_params(request)
        try:
            settings = self._types.GenerateContentConfig(**config)
        except ValueError as exc:
            raise ConfigurationError(f"invalid Gemini settings: {exc}") from exc
        return self._types.InlinedRequest(
            model=self.model, contents=contents, config=settings, metadata={"key": key}
        )

    async def status(self, batch_id: str) -> BatchStatus:
        """The batch's state; counts once it has ended (Gemini reports none to the SDK before)."""
        job = await self._get(batch_id)
        state = _state(job)
        responses = _responses(job)
        failed = sum(1 for entry in responses if entry.error is not None)
        total = self._sizes.get(batch_id, len(responses))
        return BatchStatus(
            batch_id=batch_id,
            state=state,
            ended=state in ENDED_STATES,
            total=max(total, len(responses)),
            answered=len(responses) - failed,
            failed=failed,
        )

    async def results(self, batch_id: str, requests: Mapping[str, ChatRequest]) -> BatchResults:
        """Each request's answer by custom id; one the batch did not answer is a BatchExpiredError."""
        job = await self._get(batch_id)
        state = _state(job)
        found: dict[str, Completion | ProviderError] = {}
        for entry in _responses(job):
            # Gemini echoes each request's metadata; an answer without its key cannot be placed, and
            # its request is sent again rather than given another's answer.
            key = (entry.metadata or {}).get("key")
            if isinstance(key, str) and key in requests:
                found[key] = _read(entry)
        for key in requests:
            if key not in found:
                found[key] = BatchExpiredError(f"{state}: the request was not run")
        return found

    async def _get(self, batch_id: str) -> Any:
        try:
            return await self._client().aio.batches.get(name=batch_id)
        except self._errors.APIError as exc:
            raise self._map_error(exc) from exc


def _state(job: Any) -> str:
    state = job.state
    return str(getattr(state, "value", state) or "JOB_STATE_UNSPECIFIED")


def _responses(job: Any) -> list[Any]:
    dest = job.dest
    return list(dest.inlined_responses or []) if dest is not None else []


def _read(entry: Any) -> Completion | ProviderError:
    if entry.error is not None:
        code = int(entry.error.code or 500)
        return error_for_status(code, f"HTTP {code} in batch: {str(entry.error.message or 'error')[:300]}")
    if entry.response is None:
        return InvalidResponseError("a batch answer with neither a response nor an error")
    try:
        return parse_generate(entry.response)
    except InvalidResponseError as exc:
        return exc
