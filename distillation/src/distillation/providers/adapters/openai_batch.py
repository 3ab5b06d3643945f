"""The OpenAI Batch API through the official SDK: a JSONL file upload, a batch, its output and error files."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from types import ModuleType
from typing import Any

import orjson

from distillation.providers.adapters._http import map_sdk_error
from distillation.providers.batch import BatchExpiredError, BatchResults, BatchStatus
from distillation.providers.errors import InvalidResponseError, ProviderError, error_for_status
from distillation.providers.types import ChatRequest, Completion
from distillation.providers.wire.openai import parse_chat

ENDPOINT = "/v1/chat/completions"
COMPLETION_WINDOW = "24h"  # the only window OpenAI offers
_ENDED = frozenset({"completed", "expired", "cancelled", "failed"})


class OpenAIBatchAPI:
    """Chat completions in batches (see `distillation.providers.batch.BatchAPI`).

    Args:
        sdk: The `openai` module (for its error types).
        client: The adapter's `AsyncOpenAI` client.
        body: Builds a request's chat-completions body, as the adapter sends it online.
    """

    def __init__(self, sdk: ModuleType, client: Any, body: Callable[[ChatRequest], dict[str, Any]]) -> None:
        self._sdk, self._client, self._body = sdk, client, body

    async def submit(self, requests: Sequence[tuple[str, ChatRequest]]) -> str:
        """Uploads the requests as a JSONL file and creates a batch over it."""
        content = b"".join(
            orjson.dumps({"custom_id": key, "method": "POST", "url": ENDPOINT, "body": self._body(request)})
            + b"\n"
            for key, request in requests
        )
        try:
            upload = await self._client.files.create(
                file=("distillery-batch.jsonl", content), purpose="batch"
            )
            batch = await self._client.batches.create(
                input_file_id=upload.id, endpoint=ENDPOINT, completion_window=COMPLETION_WINDOW
            )
        except self._sdk.OpenAIError as exc:
            raise map_sdk_error(self._sdk, exc) from exc
        return str(batch.id)

    async def status(self, batch_id: str) -> BatchStatus:
        """The batch's status and request counts."""
        batch = await self._retrieve(batch_id)
        counts = batch.request_counts
        return BatchStatus(
            batch_id=batch_id,
            state=str(batch.status),
            ended=batch.status in _ENDED,
            total=counts.total if counts else 0,
            answered=counts.completed if counts else 0,
            failed=counts.failed if counts else 0,
        )

    async def results(self, batch_id: str, requests: Mapping[str, ChatRequest]) -> BatchResults:
        """Every line of the batch's output and error files, by custom id (a chat body needs no request)."""
        batch = await self._retrieve(batch_id)
        found: dict[str, Completion | ProviderError] = {}
        for file_id in (batch.output_file_id, batch.error_file_id):
            if file_id is None:
                continue
            try:
                content = await self._client.files.content(file_id)
            except self._sdk.OpenAIError as exc:
                raise map_sdk_error(self._sdk, exc) from exc
            for line in content.content.splitlines():
                if line.strip():
                    key, result = parse_batch_line(orjson.loads(line))
                    found[key] = result
        return found

    async def _retrieve(self, batch_id: str) -> Any:
        try:
            return await self._client.batches.retrieve(batch_id)
        except self._sdk.OpenAIError as exc:
            raise map_sdk_error(self._sdk, exc) from exc


def parse_batch_line(line: dict[str, Any]) -> tuple[str, Completion | ProviderError]:
    """One line of an output or error file: its custom id and the completion, or why it failed."""
    key = str(line.get("custom_id"))
    response, error = line.get("response"), line.get("error")
    if not response:
        error = error or {}
        message = f"{error.get('code', 'batch_error')}: {error.get('message', 'no response')}"
        return key, BatchExpiredError(message)
    status, body = int(response.get("status_code") or 0), response.get("body") or {}
    if status != 200:
        detail = body.get("error") if isinstance(body, dict) else None
        said = detail.get("message") if isinstance(detail, dict) else None
        return key, error_for_status(status, f"HTTP {status} in batch: {said or 'error'}")
    try:
        return key, parse_chat(body, response.get("request_id"))
    except InvalidResponseError as exc:
        return key, exc
