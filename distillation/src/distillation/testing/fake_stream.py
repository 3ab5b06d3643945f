"""Streamed answers of the fake provider: the complete answer body replayed as the providers' SSE events.

OpenAI chat completions with ``stream: true`` (``chat.completion.chunk`` objects, a last usage-only
chunk when ``stream_options.include_usage``, then ``data: [DONE]``), Anthropic messages with
``stream: true`` (``message_start``, ``content_block_start``/``_delta``/``_stop``, ``message_delta``
with the output usage, ``message_stop``) and Gemini ``:streamGenerateContent?alt=sse`` (one
``GenerateContentResponse`` per piece, the finish reason and usage on the last). The text is cut into
word pieces so that a client sees several deltas; `Behavior.chunk_delay` seconds pass between them.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from typing import Any

import orjson
from aiohttp import web

from distillation.testing.scripts import Behavior, RecordedRequest

_PIECE = re.compile(r"\s*\S+\s*|\s+")


def wants_stream(record: RecordedRequest) -> bool:
    """Whether the request asked for a streamed answer (a body flag, or Gemini's streaming route)."""
    if record.api == "gemini":
        return record.path.endswith(":streamGenerateContent")
    return record.body.get("stream") is True


def pieces(text: str) -> list[str]:
    """The text cut into word pieces whose concatenation is the text (one piece for empty text)."""
    found = _PIECE.findall(text)
    return found or [text]


async def stream_answer(
    request: web.BaseRequest, record: RecordedRequest, behavior: Behavior, body: dict[str, Any]
) -> web.StreamResponse:
    """Writes ``body`` (the complete answer in the route's wire format) as that API's SSE stream."""
    headers = {"Content-Type": "text/event-stream", "Cache-Control": "no-cache", **dict(behavior.headers)}
    response = web.StreamResponse(status=200, headers=headers)
    await response.prepare(request)
    events = {"openai": _openai, "anthropic": _anthropic, "gemini": _gemini}[record.api](record, body)
    try:
        for index, (event, data) in enumerate(events):
            if index and behavior.chunk_delay:
                await asyncio.sleep(behavior.chunk_delay)
            head = f"event: {event}\n".encode() if event else b""
            payload = data if isinstance(data, bytes) else orjson.dumps(data)
            await response.write(head + b"data: " + payload + b"\n\n")
        await response.write_eof()
    except ConnectionResetError:  # the client closed the stream early: nothing more to send
        pass
    return response


_Event = tuple[str | None, Any]


def _openai(record: RecordedRequest, body: dict[str, Any]) -> Iterator[_Event]:
    choice = body["choices"][0]
    with_usage = bool((record.body.get("stream_options") or {}).get("include_usage"))
    usage_field = {"usage": None} if with_usage else {}
    head = {key: body[key] for key in ("id", "created", "model")} | {"object": "chat.completion.chunk"}

    def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        out = {"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}
        return head | {"choices": [out]} | usage_field

    yield None, chunk({"role": "assistant", "content": "", "refusal": None})
    for piece in pieces(choice["message"]["content"] or ""):
        yield None, chunk({"content": piece})
    yield None, chunk({}, choice["finish_reason"])
    if with_usage:
        yield None, head | {"choices": [], "usage": body["usage"]}
    yield None, b"[DONE]"


def _anthropic(record: RecordedRequest, body: dict[str, Any]) -> Iterator[_Event]:
    usage = body["usage"]
    start_usage = usage | {"output_tokens": 1}  # Anthropic reports a placeholder until the end
    message = body | {"content": [], "stop_reason": None, "stop_sequence": None, "usage": start_usage}
    yield "message_start", {"type": "message_start", "message": message}
    for index, block in enumerate(body["content"]):
        if block["type"] == "text":
            start, deltas = (
                {"type": "text", "text": ""},
                [{"type": "text_delta", "text": piece} for piece in pieces(block["text"])],
            )
        else:  # a forced tool call: its input arrives as partial JSON
            start = {key: block[key] for key in ("type", "id", "name")} | {"input": {}}
            raw = orjson.dumps(block["input"]).decode()
            deltas = [{"type": "input_json_delta", "partial_json": piece} for piece in _halves(raw)]
        yield "content_block_start", {"type": "content_block_start", "index": index, "content_block": start}
        if index == 0:
            yield "ping", {"type": "ping"}
        for delta in deltas:
            yield "content_block_delta", {"type": "content_block_delta", "index": index, "delta": delta}
        yield "content_block_stop", {"type": "content_block_stop", "index": index}
    stop = {"stop_reason": body["stop_reason"], "stop_sequence": body["stop_sequence"]}
    yield "message_delta", {"type": "message_delta", "delta": stop, "usage": usage}
    yield "message_stop", {"type": "message_stop"}


def _gemini(record: RecordedRequest, body: dict[str, Any]) -> Iterator[_Event]:
    candidate = body["candidates"][0]
    text = "".join(part.get("text", "") for part in candidate["content"]["parts"])
    parts = pieces(text)
    for number, piece in enumerate(parts, 1):
        last = number == len(parts)
        out: dict[str, Any] = {"content": {"role": "model", "parts": [{"text": piece}]}, "index": 0}
        if last:
            out["finishReason"] = candidate["finishReason"]
        chunk: dict[str, Any] = {"candidates": [out], "modelVersion": body["modelVersion"]}
        if last:
            chunk["usageMetadata"] = body["usageMetadata"]
        yield None, chunk


def _halves(raw: str) -> list[str]:
    middle = len(raw) // 2
    return [raw[:middle], raw[middle:]] if middle else [raw]
