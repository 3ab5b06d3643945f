"""The OpenAI Files and Batch APIs, and Anthropic's Message Batches, of the fake provider server.

A client uploads a JSONL file (`POST /v1/files`, purpose `batch`), creates a batch over it
(`POST /v1/batches`), polls it (`GET /v1/batches/{id}`) and, once it has ended, downloads the output
and error files (`GET /v1/files/{id}/content`); `POST /v1/batches/{id}/cancel` cancels it. Each line
of the input is answered like an online request by the server's script when the batch ends: a line
whose behaviour has an error status goes to the error file with that status and the API's error
body, the others to the output file. A `BatchPlan` sets how long batches take and whether they
expire (the lines not answered by then go to the error file as `batch_expired`), as OpenAI's do
when their completion window runs out. Anthropic's Message Batches (`POST /v1/messages/batches`,
`GET .../{id}`, `GET .../{id}/results`, `POST .../{id}/cancel`) follow the same plan, with results
`succeeded`, `errored`, `expired` or `canceled`. Gemini's batch mode
(`POST /v1beta/models/{model}:batchGenerateContent` with inlined requests, `GET /v1beta/batches/{id}`,
`POST /v1beta/batches/{id}:cancel`) answers a long-running operation whose metadata holds the state
(`BATCH_STATE_PENDING`, `RUNNING`, `SUCCEEDED`, `EXPIRED`, `CANCELLED`), the batch's counts and, at
the end, the inlined responses in request order, each a response or an error; an expired batch holds
only the answers it reached.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from aiohttp import web

# Answers one line's body (batch id, url, raw body) as part of the batch: (HTTP status, response body).
LineAnswerer = Callable[[str, str, bytes], tuple[int, dict[str, Any]]]

_ENDED = ("completed", "expired", "cancelled", "failed")


@dataclass(frozen=True)
class BatchPlan:
    """How the fake server runs batches.

    Attributes:
        delay_s: Seconds from a batch's creation until it ends (its lines are answered then); while
            it runs, `request_counts.completed` grows in proportion to the time passed.
        expire: The batch ends `expired` instead of `completed`.
        answered_before_expiry: How many lines (the first ones) an expiring batch answers.
    """

    delay_s: float = 0.0
    expire: bool = False
    answered_before_expiry: int = 0


@dataclass
class _Batch:
    id: str
    input_file_id: str
    endpoint: str
    window: str
    metadata: dict[str, Any] | None
    lines: list[dict[str, Any]]
    created: float
    created_at: int
    plan: BatchPlan
    status: str = "in_progress"
    ended_at: int | None = None
    output_file_id: str | None = None
    error_file_id: str | None = None
    completed: int = 0
    failed: int = 0

    def as_json(self) -> dict[str, Any]:
        total = len(self.lines)
        completed, failed = self.completed, self.failed
        if self.status == "in_progress":
            share = 1.0 if self.plan.delay_s <= 0 else (time.monotonic() - self.created) / self.plan.delay_s
            completed = min(total - 1, int(total * share)) if total else 0
        body: dict[str, Any] = {
            "id": self.id,
            "object": "batch",
            "endpoint": self.endpoint,
            "errors": None,
            "input_file_id": self.input_file_id,
            "completion_window": self.window,
            "status": self.status,
            "output_file_id": self.output_file_id,
            "error_file_id": self.error_file_id,
            "created_at": self.created_at,
            "in_progress_at": self.created_at,
            "expires_at": self.created_at + 86_400,
            "request_counts": {"total": total, "completed": completed, "failed": failed},
            "metadata": self.metadata,
        }
        if self.ended_at is not None:
            body[f"{self.status}_at"] = self.ended_at
        return body


@dataclass
class OpenAIBatches:
    """The files and batches one fake server holds.

    Attributes:
        plan: Applies to batches created from now on.
        answer_line: Answers one line (the server's script and wire formats).
        files: Uploaded and generated files by id: (filename, purpose, content).
        batches: Batches by id.
    """

    answer_line: LineAnswerer
    plan: BatchPlan = field(default_factory=BatchPlan)
    files: dict[str, tuple[str, str, bytes]] = field(default_factory=dict)
    batches: dict[str, _Batch] = field(default_factory=dict)

    def upload(self, filename: str, purpose: str, content: bytes) -> dict[str, Any]:
        """`POST /v1/files`: the new file object."""
        file_id = self._add_file(filename, purpose, content)
        return _file_object(file_id, filename, purpose, content)

    def content(self, file_id: str) -> bytes | None:
        """`GET /v1/files/{id}/content`: the file's bytes, None when there is no such file."""
        found = self.files.get(file_id)
        return None if found is None else found[2]

    def create(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """`POST /v1/batches`: (status, the batch object or an error body)."""
        found = self.files.get(str(body.get("input_file_id")))
        if found is None:
            return 404, _error(f"no file {body.get('input_file_id')!r}")
        lines = [orjson.loads(line) for line in found[2].splitlines() if line.strip()]
        ids = [line.get("custom_id") for line in lines]
        if len(set(ids)) != len(ids):
            return 400, _error("custom_id values must be unique within a batch")
        batch = _Batch(
            id=f"batch_fake_{len(self.batches) + 1}",
            input_file_id=str(body["input_file_id"]),
            endpoint=str(body.get("endpoint", "")),
            window=str(body.get("completion_window", "24h")),
            metadata=body.get("metadata"),
            lines=lines,
            created=time.monotonic(),
            created_at=int(time.time()),
            plan=self.plan,
        )
        self.batches[batch.id] = batch
        return 200, batch.as_json()

    def retrieve(self, batch_id: str) -> tuple[int, dict[str, Any]]:
        """`GET /v1/batches/{id}`: the batch, ended first when its time has come."""
        batch = self.batches.get(batch_id)
        if batch is None:
            return 404, _error(f"no batch {batch_id!r}")
        if batch.status == "in_progress" and time.monotonic() - batch.created >= batch.plan.delay_s:
            self._end(batch, "expired" if batch.plan.expire else "completed")
        return 200, batch.as_json()

    def cancel(self, batch_id: str) -> tuple[int, dict[str, Any]]:
        """`POST /v1/batches/{id}/cancel`: ends the batch at once, no line answered."""
        batch = self.batches.get(batch_id)
        if batch is None:
            return 404, _error(f"no batch {batch_id!r}")
        if batch.status not in _ENDED:
            self._end(batch, "cancelled")
        return 200, batch.as_json()

    def _end(self, batch: _Batch, status: str) -> None:
        answered = {
            "completed": len(batch.lines),
            "expired": batch.plan.answered_before_expiry,
            "cancelled": 0,
        }[status]
        output: list[dict[str, Any]] = []
        errors: list[dict[str, Any]] = []
        for number, line in enumerate(batch.lines):
            custom_id, request_id = line.get("custom_id"), f"batch_req_{batch.id}_{number}"
            if number >= answered:
                reason = {"expired": "batch_expired", "cancelled": "batch_cancelled"}[status]
                failure = {"code": reason, "message": f"the request was not run: {reason}"}
                errors.append({"id": request_id, "custom_id": custom_id, "response": None, "error": failure})
                continue
            raw = orjson.dumps(line.get("body") or {})
            code, body = self.answer_line(batch.id, str(line.get("url", batch.endpoint)), raw)
            response = {"status_code": code, "request_id": request_id, "body": body}
            (output if code == 200 else errors).append(
                {"id": request_id, "custom_id": custom_id, "response": response, "error": None}
            )
        batch.status, batch.ended_at = status, int(time.time())
        batch.completed, batch.failed = len(output), len(errors)
        if output:
            batch.output_file_id = self._add_file(f"{batch.id}_output.jsonl", "batch_output", _jsonl(output))
        if errors:
            batch.error_file_id = self._add_file(f"{batch.id}_error.jsonl", "batch_output", _jsonl(errors))

    def _add_file(self, filename: str, purpose: str, content: bytes) -> str:
        file_id = f"file-fake-{len(self.files) + 1}"
        self.files[file_id] = (filename, purpose, content)
        return file_id


def _file_object(file_id: str, filename: str, purpose: str, content: bytes) -> dict[str, Any]:
    return {
        "id": file_id,
        "object": "file",
        "bytes": len(content),
        "created_at": int(time.time()),
        "filename": filename,
        "purpose": purpose,
        "status": "processed",
    }


def _jsonl(lines: list[dict[str, Any]]) -> bytes:
    return b"".join(orjson.dumps(line) + b"\n" for line in lines)


def _error(message: str) -> dict[str, Any]:
    return {"error": {"message": message, "type": "invalid_request_error", "param": None, "code": None}}


@dataclass
class _MessageBatch:
    id: str
    requests: list[dict[str, Any]]
    created: float
    plan: BatchPlan
    results: list[dict[str, Any]] | None = None
    canceled: bool = False

    def as_json(self, base_url: str) -> dict[str, Any]:
        total = len(self.requests)
        counts = {"processing": total, "succeeded": 0, "errored": 0, "canceled": 0, "expired": 0}
        if self.results is not None:
            counts["processing"] = 0
            for entry in self.results:
                counts[entry["result"]["type"]] += 1
        created = datetime.fromtimestamp(time.time() - (time.monotonic() - self.created), UTC)
        ended = self.results is not None
        return {
            "id": self.id,
            "type": "message_batch",
            "processing_status": "ended" if ended else "in_progress",
            "request_counts": counts,
            "created_at": created.isoformat(),
            "expires_at": (created + timedelta(days=1)).isoformat(),
            "ended_at": datetime.now(UTC).isoformat() if ended else None,
            "cancel_initiated_at": datetime.now(UTC).isoformat() if self.canceled else None,
            "archived_at": None,
            "results_url": f"{base_url}/v1/messages/batches/{self.id}/results" if ended else None,
        }


@dataclass
class AnthropicBatches:
    """Anthropic's Message Batches API: batches of `{custom_id, params}` requests, results as JSONL.

    A line the script answers with an error status is ``errored``; lines an expiring batch does not
    reach are ``expired``, those of a cancelled one ``canceled``.
    """

    answer_line: LineAnswerer
    plan: BatchPlan = field(default_factory=BatchPlan)
    batches: dict[str, _MessageBatch] = field(default_factory=dict)

    def create(self, body: dict[str, Any], base_url: str) -> tuple[int, dict[str, Any]]:
        """`POST /v1/messages/batches`."""
        requests = list(body.get("requests") or [])
        batch = _MessageBatch(f"msgbatch_fake_{len(self.batches) + 1}", requests, time.monotonic(), self.plan)
        self.batches[batch.id] = batch
        return 200, batch.as_json(base_url)

    def retrieve(self, batch_id: str, base_url: str) -> tuple[int, dict[str, Any]]:
        """`GET /v1/messages/batches/{id}`: the batch, ended first when its time has come."""
        batch = self.batches.get(batch_id)
        if batch is None:
            return 404, {"type": "error", "error": {"type": "not_found_error", "message": batch_id}}
        if batch.results is None and time.monotonic() - batch.created >= batch.plan.delay_s:
            self._end(batch, "expired" if batch.plan.expire else "completed")
        return 200, batch.as_json(base_url)

    def cancel(self, batch_id: str, base_url: str) -> tuple[int, dict[str, Any]]:
        """`POST /v1/messages/batches/{id}/cancel`: ends the batch, no request answered."""
        batch = self.batches.get(batch_id)
        if batch is None:
            return 404, {"type": "error", "error": {"type": "not_found_error", "message": batch_id}}
        if batch.results is None:
            batch.canceled = True
            self._end(batch, "canceled")
        return 200, batch.as_json(base_url)

    def results(self, batch_id: str) -> bytes | None:
        """`GET /v1/messages/batches/{id}/results`: one JSON line per request; None before it ends."""
        batch = self.batches.get(batch_id)
        return None if batch is None or batch.results is None else _jsonl(batch.results)

    def _end(self, batch: _MessageBatch, how: str) -> None:
        answered = {"completed": len(batch.requests), "expired": batch.plan.answered_before_expiry}.get(
            how, 0
        )
        results = []
        for number, request in enumerate(batch.requests):
            result: dict[str, Any]
            if number >= answered:
                result = {"type": "expired" if how == "expired" else "canceled"}
            else:
                code, body = self.answer_line(
                    batch.id, "/v1/messages", orjson.dumps(request.get("params") or {})
                )
                result = (
                    {"type": "succeeded", "message": body}
                    if code == 200
                    else {"type": "errored", "error": body}
                )
            results.append({"custom_id": request.get("custom_id"), "result": result})
        batch.results = results


_GEMINI_STATUS = {
    401: "UNAUTHENTICATED",
    429: "RESOURCE_EXHAUSTED",
    503: "UNAVAILABLE",
    400: "INVALID_ARGUMENT",
}


@dataclass
class _GeminiBatch:
    id: str
    model: str
    display_name: str
    requests: list[dict[str, Any]]
    created: float
    created_at: datetime
    plan: BatchPlan
    state: str = "BATCH_STATE_PENDING"
    responses: list[dict[str, Any]] | None = None
    ended_at: datetime | None = None

    def as_operation(self) -> dict[str, Any]:
        total = len(self.requests)
        running = self.responses is None
        if running and self.state == "BATCH_STATE_PENDING" and time.monotonic() > self.created:
            self.state = "BATCH_STATE_RUNNING"
        answered = self.responses or []
        failed = sum(1 for entry in answered if "error" in entry)
        stats = {
            "requestCount": str(total),
            "successfulRequestCount": str(len(answered) - failed),
            "failedRequestCount": str(failed),
            "pendingRequestCount": str(total - len(answered) if running else 0),
        }
        metadata: dict[str, Any] = {
            "@type": "type.googleapis.com/google.ai.generativelanguage.v1main.GenerateContentBatch",
            "name": self.id,
            "model": self.model,
            "displayName": self.display_name,
            "createTime": _rfc3339(self.created_at),
            "updateTime": _rfc3339(self.ended_at or self.created_at),
            "state": self.state,
            "batchStats": stats,
        }
        if self.ended_at is not None:
            metadata["endTime"] = _rfc3339(self.ended_at)
        if self.responses is not None:
            metadata["output"] = {"inlinedResponses": {"inlinedResponses": self.responses}}
        return {"name": self.id, "metadata": metadata, "done": not running}


def _rfc3339(when: datetime) -> str:
    return when.isoformat().replace("+00:00", "Z")


@dataclass
class GeminiBatches:
    """Gemini's batch mode: batches of inlined generateContent requests, answered inline.

    A request the script answers with an error status gets an ``error`` (google.rpc.Status) in its
    place; an expiring batch answers only its first ``answered_before_expiry`` requests.
    """

    answer_line: LineAnswerer
    plan: BatchPlan = field(default_factory=BatchPlan)
    batches: dict[str, _GeminiBatch] = field(default_factory=dict)

    def create(self, model: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """`POST /v1beta/models/{model}:batchGenerateContent`: the batch's operation."""
        batch_body = body.get("batch") or {}
        source = batch_body.get("inputConfig") or {}
        requests = list((source.get("requests") or {}).get("requests") or [])
        if not requests:
            return 400, _gemini_error(400, "inputConfig.requests: only inlined requests are served here")
        batch = _GeminiBatch(
            id=f"batches/fake-{len(self.batches) + 1}",
            model=f"models/{model}",
            display_name=str(batch_body.get("displayName") or ""),
            requests=requests,
            created=time.monotonic(),
            created_at=datetime.now(UTC),
            plan=self.plan,
        )
        self.batches[batch.id] = batch
        return 200, batch.as_operation()

    def retrieve(self, batch_id: str) -> tuple[int, dict[str, Any]]:
        """`GET /v1beta/batches/{id}`: the operation, ended first when its time has come."""
        batch = self.batches.get(batch_id)
        if batch is None:
            return 404, _gemini_error(404, f"no batch {batch_id!r}")
        if batch.responses is None and time.monotonic() - batch.created >= batch.plan.delay_s:
            self._end(batch, "BATCH_STATE_EXPIRED" if batch.plan.expire else "BATCH_STATE_SUCCEEDED")
        return 200, batch.as_operation()

    def cancel(self, batch_id: str) -> tuple[int, dict[str, Any]]:
        """`POST /v1beta/batches/{id}:cancel`: ends the batch at once, no request answered."""
        batch = self.batches.get(batch_id)
        if batch is None:
            return 404, _gemini_error(404, f"no batch {batch_id!r}")
        if batch.responses is None:
            self._end(batch, "BATCH_STATE_CANCELLED")
        return 200, {}

    def _end(self, batch: _GeminiBatch, state: str) -> None:
        answered = {
            "BATCH_STATE_SUCCEEDED": len(batch.requests),
            "BATCH_STATE_EXPIRED": batch.plan.answered_before_expiry,
        }.get(state, 0)
        url = f"/v1beta/{batch.model}:generateContent"
        responses: list[dict[str, Any]] = []
        for entry in batch.requests[:answered]:
            request = dict(entry.get("request") or {})
            request.pop("model", None)
            code, body = self.answer_line(batch.id, url, orjson.dumps(request))
            answer: dict[str, Any] = {"response": body} if code == 200 else {"error": body["error"]}
            if entry.get("metadata") is not None:
                answer["metadata"] = entry["metadata"]
            responses.append(answer)
        batch.state, batch.responses, batch.ended_at = state, responses, datetime.now(UTC)


def _gemini_error(code: int, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "status": _GEMINI_STATUS.get(code, "INTERNAL")}}


# Logs one call of a batch API: (api, the HTTP request, its raw body).
CallLogger = Callable[[str, web.BaseRequest, bytes], None]


async def serve_openai_batches(
    store: OpenAIBatches, request: web.BaseRequest, log: CallLogger
) -> web.Response:
    """Files and batches: every call is logged under the api ``openai-batch``."""
    method, parts = request.method, request.path.strip("/").split("/")[1:]
    if method == "POST" and parts == ["files"]:
        form = await request.post()
        log("openai-batch", request, b"")
        upload = form.get("file")
        if not isinstance(upload, web.FileField):
            return _json({"error": {"message": "no file in the upload"}}, 400)
        return _json(store.upload(upload.filename, str(form.get("purpose")), upload.file.read()), 200)
    raw = await request.read()
    log("openai-batch", request, raw)
    if method == "GET" and len(parts) == 3 and parts[0] == "files" and parts[2] == "content":
        found = store.content(parts[1])
        if found is None:
            return _json({"error": {"message": f"no file {parts[1]!r}"}}, 404)
        return web.Response(body=found, status=200, content_type="application/octet-stream")
    if method == "POST" and parts == ["batches"]:
        return _reply(store.create(orjson.loads(raw or b"{}")))
    if method == "GET" and len(parts) == 2 and parts[0] == "batches":
        return _reply(store.retrieve(parts[1]))
    if method == "POST" and len(parts) == 3 and parts[0] == "batches" and parts[2] == "cancel":
        return _reply(store.cancel(parts[1]))
    return _json({"error": {"message": f"no route {method} {request.path}"}}, 404)


async def serve_message_batches(
    store: AnthropicBatches, request: web.BaseRequest, log: CallLogger, base_url: str
) -> web.Response:
    """Anthropic's Message Batches: every call is logged under the api ``anthropic-batch``."""
    raw = await request.read()
    log("anthropic-batch", request, raw)
    method, parts = request.method, request.path.strip("/").split("/")[3:]
    if method == "POST" and not parts:
        return _reply(store.create(orjson.loads(raw or b"{}"), base_url))
    if method == "GET" and len(parts) == 1:
        return _reply(store.retrieve(parts[0], base_url))
    if method == "POST" and len(parts) == 2 and parts[1] == "cancel":
        return _reply(store.cancel(parts[0], base_url))
    if method == "GET" and len(parts) == 2 and parts[1] == "results":
        found = store.results(parts[0])
        if found is None:
            return _json({"type": "error", "error": {"type": "not_found_error", "message": parts[0]}}, 404)
        return web.Response(body=found, status=200, content_type="application/binary")
    return _json({"error": {"message": f"no route {method} {request.path}"}}, 404)


async def serve_gemini_batches(
    store: GeminiBatches, request: web.BaseRequest, log: CallLogger
) -> web.Response:
    """Gemini's batch mode: every call is logged under the api ``gemini-batch``."""
    raw = await request.read()
    log("gemini-batch", request, raw)
    method, path = request.method, request.path.removeprefix("/v1beta/")
    if method == "POST" and path.startswith("models/") and path.endswith(":batchGenerateContent"):
        model = path.removeprefix("models/").removesuffix(":batchGenerateContent")
        return _reply(store.create(model, orjson.loads(raw or b"{}")))
    if method == "POST" and path.startswith("batches/") and path.endswith(":cancel"):
        return _reply(store.cancel(path.removesuffix(":cancel")))
    if method == "GET" and path.startswith("batches/"):
        return _reply(store.retrieve(path))
    return _json(_gemini_error(404, f"no route {method} {request.path}"), 404)


def _reply(answer: tuple[int, Any]) -> web.Response:
    return _json(answer[1], answer[0])


def _json(body: Any, status: int) -> web.Response:
    return web.Response(body=orjson.dumps(body), status=status, content_type="application/json")
