"""Answering OpenAI-style chat requests with tuned students (``tuned:<run id>`` of completed runs).

Tuned models run in this process (the adapter works in a thread, one generation at a time per model)
and cost nothing, so they do not take the paid-call path of the jobs: there is no ledger row to write.
Each run's model is loaded on its first request and kept for the next ones.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import Settings
from app.core.errors import BadRequest, NotFound, ServiceUnavailable
from app.finetune.provider import TUNED, tuned_run_dir
from app.finetune.repository import FinetuneRunRepository
from app.models import RunStatus
from app.serving.schemas import (
    AssistantMessage,
    ChatCompletion,
    ChatCompletionChunk,
    ChatCompletionCreate,
    Choice,
    CompletionUsage,
    ServedModel,
    ServedModelList,
    chunk,
)
from distillation.providers import ChatRequest, Completion, Message, ProviderError
from distillation.providers.adapters.tuned import TunedAdapter

_ADAPTERS: dict[Path, TunedAdapter] = {}


async def list_models(session: AsyncSession) -> ServedModelList:
    """The completed runs, newest first, as ``tuned:<run id>``."""
    runs = await FinetuneRunRepository(session).completed()
    cards = [
        ServedModel(id=f"{TUNED}:{run.id}", created=int(run.created_at.timestamp()), owned_by="distillery")
        for run in runs
    ]
    return ServedModelList(data=cards)


async def adapter_for(session: AsyncSession, settings: Settings, model: str) -> TunedAdapter:
    """The loaded tuned model ``model`` names.

    Raises:
        NotFound: ``model`` is not ``tuned:<id>`` of a completed run.
    """
    provider, _, name = model.partition(":")
    run_id = _run_id(name) if provider == TUNED else None
    run = await FinetuneRunRepository(session).get(run_id) if run_id else None
    if run is None or run.status is not RunStatus.completed:
        raise NotFound(f"the model {model!r} does not exist; GET /v1/models lists the models served here")
    folder = tuned_run_dir(settings, name)
    if folder not in _ADAPTERS:
        _ADAPTERS[folder] = TunedAdapter(name, run_dir=folder)
    return _ADAPTERS[folder]


def _run_id(name: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(name)
    except ValueError:
        return None


def chat_request(body: ChatCompletionCreate) -> ChatRequest:
    """The library's request for an OpenAI body."""
    stop = [body.stop] if isinstance(body.stop, str) else body.stop
    return ChatRequest(
        messages=tuple(Message(role=m.role, content=m.content) for m in body.messages),
        max_tokens=body.max_completion_tokens or body.max_tokens,
        temperature=body.temperature,
        top_p=body.top_p,
        seed=body.seed,
        stop=tuple(stop) if stop else None,
    )


async def complete(adapter: TunedAdapter, request: ChatRequest, time_limit: float) -> Completion:
    """One answer.

    Raises:
        BadRequest: The model refused the request (a prompt longer than its context, ...).
        ServiceUnavailable: No answer within ``time_limit`` seconds.
    """
    try:
        async with asyncio.timeout(time_limit):
            return await adapter.complete(request, time_limit)
    except TimeoutError as exc:
        raise ServiceUnavailable(f"the model gave no answer within {time_limit:.0f} s") from exc
    except ProviderError as exc:
        raise BadRequest(str(exc)) from exc


def completion_body(model: str, answer: Completion) -> ChatCompletion:
    """The ``chat.completion`` object of an answer."""
    return ChatCompletion(
        id=new_id(),
        created=int(time.time()),
        model=model,
        choices=[Choice(message=AssistantMessage(content=answer.text), finish_reason=answer.finish_reason)],
        usage=usage_of(answer),
    )


def usage_of(answer: Completion) -> CompletionUsage:
    """OpenAI's usage numbers."""
    used = answer.usage
    return CompletionUsage(
        prompt_tokens=used.input_tokens, completion_tokens=used.output_tokens, total_tokens=used.total_tokens
    )


def new_id() -> str:
    """A completion id in OpenAI's style."""
    return f"chatcmpl-{uuid.uuid4().hex}"


async def stream(
    adapter: TunedAdapter, body: ChatCompletionCreate, request: ChatRequest, time_limit: float
) -> AsyncIterator[str]:
    """The answer as SSE ``chat.completion.chunk`` events, then ``data: [DONE]``.

    The role goes out at once, the text as the model writes it (``TunedAdapter.stream``); an error
    after the first event is sent as an ``error`` event, as OpenAI does.
    """
    completion_id, created = new_id(), int(time.time())
    yield chunk(completion_id, created, body.model, {"role": "assistant", "content": ""}, None)
    answer: Completion | None = None
    try:
        async for piece in adapter.stream(request, time_limit):
            if isinstance(piece, str):
                yield chunk(completion_id, created, body.model, {"content": piece}, None)
            else:
                answer = piece
    except ProviderError as exc:
        error = {"error": {"message": str(exc), "type": "server_error", "param": None, "code": None}}
        yield f"data: {json.dumps(error)}\n\n"
        return
    assert answer is not None  # the adapter's stream ends with the whole answer
    yield chunk(completion_id, created, body.model, {}, answer.finish_reason)
    if body.stream_options is not None and body.stream_options.include_usage:
        last = ChatCompletionChunk(
            id=completion_id, created=created, model=body.model, choices=[], usage=usage_of(answer)
        )
        yield f"data: {last.model_dump_json()}\n\n"
    yield "data: [DONE]\n\n"
