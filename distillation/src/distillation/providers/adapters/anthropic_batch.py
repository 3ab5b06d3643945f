"""Anthropic's Message Batches through the official SDK: one request list in, a JSONL of results out."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from types import ModuleType
from typing import Any

from distillation.providers.adapters._http import map_sdk_error
from distillation.providers.batch import BatchExpiredError, BatchResults, BatchStatus
from distillation.providers.errors import InvalidResponseError, ProviderError, ServerError
from distillation.providers.types import ChatRequest, Completion

ParseMessage = Callable[[Any, ChatRequest, str | None], Completion]


class AnthropicBatchAPI:
    """Messages in batches (see `distillation.providers.batch.BatchAPI`).

    Args:
        sdk: The `anthropic` module (for its error types).
        client: The adapter's `AsyncAnthropic` client.
        params: Builds a request's messages body, as the adapter sends it online.
        parse: Reads a message body for its request (a forced tool call becomes the answer's data).
    """

    def __init__(
        self,
        sdk: ModuleType,
        client: Any,
        params: Callable[[ChatRequest], dict[str, Any]],
        parse: ParseMessage,
    ) -> None:
        self._sdk, self._client, self._params, self._parse = sdk, client, params, parse

    async def submit(self, requests: Sequence[tuple[str, ChatRequest]]) -> str:
        """Creates a message batch of the requests."""
        lines = [{"custom_id": key, "params": self._params(request)} for key, request in requests]
        try:
            batch = await self._client.messages.batches.create(requests=lines)
        except self._sdk.AnthropicError as exc:
            raise map_sdk_error(self._sdk, exc) from exc
        return str(batch.id)

    async def status(self, batch_id: str) -> BatchStatus:
        """The batch's processing status and request counts."""
        try:
            batch = await self._client.messages.batches.retrieve(batch_id)
        except self._sdk.AnthropicError as exc:
            raise map_sdk_error(self._sdk, exc) from exc
        counts = batch.request_counts
        failed = counts.errored + counts.canceled + counts.expired
        return BatchStatus(
            batch_id=batch_id,
            state=str(batch.processing_status),
            ended=batch.processing_status == "ended",
            total=counts.processing + counts.succeeded + failed,
            answered=counts.succeeded,
            failed=failed,
        )

    async def results(self, batch_id: str, requests: Mapping[str, ChatRequest]) -> BatchResults:
        """Each request's result: its message, or why it has none."""
        found: dict[str, Completion | ProviderError] = {}
        try:
            async for entry in await self._client.messages.batches.results(batch_id):
                request = requests.get(entry.custom_id)
                if request is not None:
                    found[entry.custom_id] = self._read(entry.result, request)
        except self._sdk.AnthropicError as exc:
            raise map_sdk_error(self._sdk, exc) from exc
        return found

    def _read(self, result: Any, request: ChatRequest) -> Completion | ProviderError:
        if result.type == "succeeded":
            body = result.message.model_dump(mode="json")
            try:
                return self._parse(body, request, body.get("id"))
            except InvalidResponseError as exc:
                return exc
        if result.type == "errored":
            error = getattr(result.error, "error", None)
            return ServerError(f"errored in batch: {getattr(error, 'message', 'error')}")
        return BatchExpiredError(f"{result.type}: the request was not run")
