"""Provider fine-tuning on the fake provider server: OpenAI's Fine-tuning API and a Together-style one.

OpenAI: a client uploads a chat JSONL file (`POST /v1/files`, purpose `fine-tune`; the store the
Batch API uses), creates a job (`POST /v1/fine_tuning/jobs`), polls it (`GET .../jobs/{id}`), reads
its events (`GET .../events`, newest first, `after`/`limit` pages) and checkpoints
(`GET .../checkpoints`), lists jobs (`GET /v1/fine_tuning/jobs`) and cancels one
(`POST .../cancel`). Together-style: `POST /v1/files/upload` (multipart), `POST /v1/fine-tunes`,
`GET /v1/fine-tunes/{id}`, `GET .../events` (all of them, oldest first), `POST .../cancel`,
`GET /v1/fine-tunes`.

A job advances one tick each time it is read (its object, its events or its checkpoints), so a
test sees every state in order without sleeping: `validating_files` → `queued` → `running`, one
step (and one metrics event with `step` and `train_loss`) per tick → `succeeded` with
`fine_tuned_model` = ``ft:<base>:distillery::<job id>`` and `trained_tokens`. A training file
whose lines are not chat rows ending in an assistant turn fails the job at validation with an
`invalid_training_file` error, as OpenAI's does; `FinetunePlan.fail_at_step` fails a running job.
Until a job has succeeded its model id is refused by chat completions (404 `model_not_found`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson
from aiohttp import web

from distillation.testing.fake_batches import OpenAIBatches

_ENDED = ("succeeded", "failed", "cancelled")
# Together's states for OpenAI's; the job runs the same way, only its names differ.
_TOGETHER_STATUS = {
    "validating_files": "pending",
    "queued": "queued",
    "running": "running",
    "succeeded": "completed",
    "failed": "error",
    "cancelled": "cancelled",
}


@dataclass(frozen=True)
class FinetunePlan:
    """How the fake server runs fine-tuning jobs.

    Attributes:
        steps: Training steps of a job (one per tick while it runs).
        first_loss: `train_loss` of step 1; each step multiplies it by `decay`.
        decay: Loss ratio between successive steps.
        fail_at_step: A running job fails at this step (`server_error`), None never.
    """

    steps: int = 4
    first_loss: float = 2.0
    decay: float = 0.7
    fail_at_step: int | None = None


@dataclass
class _Job:
    id: str
    api: str  # "openai" or "together"
    model: str
    training_file: str
    suffix: str | None
    n_epochs: int
    seed: int
    created_at: int
    plan: FinetunePlan
    tokens_per_epoch: int
    problem: str | None  # why the training file is invalid, None when it is valid
    status: str = "validating_files"
    step: int = 0
    events: list[dict[str, Any]] = field(default_factory=list)
    checkpoints: list[dict[str, Any]] = field(default_factory=list)
    error: dict[str, Any] | None = None
    fine_tuned_model: str | None = None
    trained_tokens: int | None = None
    finished_at: int | None = None

    @property
    def output_name(self) -> str:
        if self.api == "together":
            tail = f"-{self.suffix}" if self.suffix else ""
            return f"distillery/{self.model.split('/')[-1]}{tail}-{self.id.removeprefix('ft-')}"
        return f"ft:{self.model}:distillery:{self.suffix or ''}:{self.id.removeprefix('ftjob-')}"

    def as_openai(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "object": "fine_tuning.job",
            "created_at": self.created_at,
            "error": self.error,
            "fine_tuned_model": self.fine_tuned_model,
            "finished_at": self.finished_at,
            "hyperparameters": {"n_epochs": self.n_epochs, "batch_size": 1, "learning_rate_multiplier": 1.8},
            "model": self.model,
            "organization_id": "org-distillery",
            "result_files": [],
            "seed": self.seed,
            "status": self.status,
            "trained_tokens": self.trained_tokens,
            "training_file": self.training_file,
            "validation_file": None,
            "estimated_finish": None,
            "integrations": [],
            "metadata": None,
            "user_provided_suffix": self.suffix,
            "method": {
                "type": "supervised",
                "supervised": {"hyperparameters": {"n_epochs": self.n_epochs, "batch_size": 1}},
            },
        }

    def as_together(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "object": "fine-tune",
            "status": _TOGETHER_STATUS[self.status],
            "model": self.model,
            "output_name": self.fine_tuned_model or self.output_name,
            "training_file": self.training_file,
            "suffix": self.suffix,
            "n_epochs": self.n_epochs,
            "n_checkpoints": 1,
            "batch_size": 8,
            "learning_rate": 1e-5,
            "created_at": _iso(self.created_at),
            "updated_at": _iso(self.finished_at or int(time.time())),
            "token_count": self.tokens_per_epoch,
            "trained_tokens": self.trained_tokens,
            "epochs_completed": self.n_epochs if self.status == "succeeded" else 0,
            "events": [_together_event(event) for event in reversed(self.events)],
            "error": None if self.error is None else self.error["message"],
        }


@dataclass
class FakeFinetunes:
    """The fine-tuning jobs one fake server holds (files live in the Batch API's store).

    Attributes:
        files: The server's file store (uploads of either API land there).
        plan: Applies to jobs created from now on.
        jobs: Jobs by id, in creation order.
    """

    files: OpenAIBatches
    plan: FinetunePlan = field(default_factory=FinetunePlan)
    jobs: dict[str, _Job] = field(default_factory=dict)

    def models(self) -> list[str]:
        """The ids of the models the succeeded jobs made."""
        return [job.fine_tuned_model for job in self.jobs.values() if job.fine_tuned_model]

    def refuses(self, model: str) -> bool:
        """A fine-tuned model id of this server whose job has not succeeded (or no job made)."""
        if model in self.models():
            return False
        return model.startswith("ft:") or any(job.output_name == model for job in self.jobs.values())

    def create(self, body: dict[str, Any], api: str) -> tuple[int, dict[str, Any]]:
        """`POST /v1/fine_tuning/jobs` or `POST /v1/fine-tunes`."""
        file_id = str(body.get("training_file"))
        found = self.files.files.get(file_id)
        if found is None:
            return 400, _error(f"invalid training_file: {file_id}", "invalid_training_file", "training_file")
        if not body.get("model"):
            return 400, _error("model is required", "invalid_request", "model")
        method = body.get("method") or {}
        epochs = body.get("n_epochs") or (body.get("hyperparameters") or {}).get("n_epochs")
        epochs = epochs or ((method.get("supervised") or {}).get("hyperparameters") or {}).get("n_epochs")
        prefix = "ft-" if api == "together" else "ftjob-"
        job = _Job(
            id=f"{prefix}fake{len(self.jobs) + 1}",
            api=api,
            model=str(body["model"]),
            training_file=file_id,
            suffix=body.get("suffix"),
            n_epochs=int(epochs) if isinstance(epochs, int) else 3,
            seed=int(body.get("seed") or 0),
            created_at=int(time.time()),
            plan=self.plan,
            tokens_per_epoch=_tokens(found[2]),
            problem=_check_training_file(found[2]),
        )
        self.jobs[job.id] = job
        _event(job, "info", f"Created fine-tuning job: {job.id}")
        _event(job, "info", f"Validating training file: {file_id}")
        return 200, self._shape(job)

    def retrieve(self, job_id: str) -> tuple[int, dict[str, Any]]:
        """`GET .../{id}`: the job, one tick further."""
        job = self._tick(job_id)
        return (404, _error(f"no fine-tuning job {job_id!r}")) if job is None else (200, self._shape(job))

    def events(self, job_id: str, after: str | None, limit: int) -> tuple[int, dict[str, Any]]:
        """`GET .../{id}/events`: a page of events, newest first, after the event ``after``."""
        job = self._tick(job_id)
        if job is None:
            return 404, _error(f"no fine-tuning job {job_id!r}")
        newest_first = list(reversed(job.events))
        if after is not None:
            ids = [event["id"] for event in newest_first]
            newest_first = newest_first[ids.index(after) + 1 :] if after in ids else []
        page = newest_first[:limit]
        if job.api == "together":  # Together lists every event, oldest first
            return 200, {"object": "list", "data": [_together_event(event) for event in job.events]}
        return 200, {"object": "list", "data": page, "has_more": len(newest_first) > limit}

    def checkpoints(self, job_id: str) -> tuple[int, dict[str, Any]]:
        """`GET .../{id}/checkpoints`: one checkpoint per finished run, newest first."""
        job = self._tick(job_id)
        if job is None:
            return 404, _error(f"no fine-tuning job {job_id!r}")
        data = list(reversed(job.checkpoints))
        ids = [c["id"] for c in data]
        return 200, {
            "object": "list",
            "data": data,
            "has_more": False,
            "first_id": ids[0] if ids else None,
            "last_id": ids[-1] if ids else None,
        }

    def cancel(self, job_id: str) -> tuple[int, dict[str, Any]]:
        """`POST .../{id}/cancel`: stops a job that has not ended; an ended one is refused."""
        job = self.jobs.get(job_id)
        if job is None:
            return 404, _error(f"no fine-tuning job {job_id!r}")
        if job.status in _ENDED:
            return 400, _error(f"job {job_id} has already {job.status}", "invalid_request")
        job.status, job.finished_at = "cancelled", int(time.time())
        _event(job, "info", "Fine-tuning job cancelled")
        return 200, self._shape(job)

    def listing(self, api: str) -> dict[str, Any]:
        """`GET /v1/fine_tuning/jobs` or `GET /v1/fine-tunes`: the API's jobs, newest first."""
        jobs = [job for job in reversed(self.jobs.values()) if job.api == api]
        if api == "together":
            return {"object": "list", "data": [job.as_together() for job in jobs]}
        return {"object": "list", "data": [job.as_openai() for job in jobs], "has_more": False}

    def _shape(self, job: _Job) -> dict[str, Any]:
        return job.as_together() if job.api == "together" else job.as_openai()

    def _tick(self, job_id: str) -> _Job | None:
        job = self.jobs.get(job_id)
        if job is None or job.status in _ENDED:
            return job
        if job.status == "validating_files":
            if job.problem is not None:
                message = f"The job failed due to an invalid training file. {job.problem}"
                job.error = {"code": "invalid_training_file", "message": message, "param": "training_file"}
                job.status, job.finished_at = "failed", int(time.time())
                _event(job, "error", message)
                return job
            job.status = "queued"
            _event(job, "info", "Files validated, moving job to queued state")
            return job
        if job.status == "queued":
            job.status = "running"
            _event(job, "info", "Fine-tuning job started")
            return job
        job.step += 1
        plan = job.plan
        if plan.fail_at_step is not None and job.step >= plan.fail_at_step:
            message = "Fine-tuning job failed due to an internal error"
            job.error = {"code": "server_error", "message": message, "param": None}
            job.status, job.finished_at = "failed", int(time.time())
            _event(job, "error", message)
            return job
        loss = round(plan.first_loss * plan.decay ** (job.step - 1), 6)
        metrics = {"step": job.step, "train_loss": loss, "total_steps": plan.steps}
        metrics["train_mean_token_accuracy"] = round(min(1.0, 0.4 + 0.1 * job.step), 4)
        _event(job, "info", f"Step {job.step}/{plan.steps}: training loss={loss:.4f}", "metrics", metrics)
        if job.step >= plan.steps:
            job.fine_tuned_model = job.output_name
            job.trained_tokens = job.tokens_per_epoch * job.n_epochs
            job.status, job.finished_at = "succeeded", int(time.time())
            job.checkpoints.append(
                {
                    "id": f"ftckpt-{job.id}-{job.step}",
                    "object": "fine_tuning.job.checkpoint",
                    "created_at": job.finished_at,
                    "fine_tuned_model_checkpoint": f"{job.fine_tuned_model}:ckpt-step-{job.step}",
                    "fine_tuning_job_id": job.id,
                    "metrics": {"step": float(job.step), "train_loss": loss},
                    "step_number": job.step,
                }
            )
            _event(job, "info", f"New fine-tuned model created: {job.fine_tuned_model}")
            _event(job, "info", "The job has successfully completed")
        return job


def _event(
    job: _Job, level: str, message: str, kind: str = "message", data: dict[str, Any] | None = None
) -> None:
    job.events.append(
        {
            "id": f"ftevent-{job.id}-{len(job.events) + 1}",
            "object": "fine_tuning.job.event",
            "created_at": int(time.time()),
            "level": level,
            "message": message,
            "type": kind,
            "data": data or {},
        }
    )


def _together_event(event: dict[str, Any]) -> dict[str, Any]:
    """Together's event fields: no id (``hash`` tells events apart), the loss only in the message."""
    data = event["data"] or {}
    return {
        "object": "fine-tune-event",
        "created_at": _iso(event["created_at"]),
        "level": None if event["level"] == "info" else event["level"],
        "message": event["message"],
        "type": "training_progress" if event["type"] == "metrics" else "job_event",
        "step": data.get("step"),
        "total_steps": data.get("total_steps"),
        "hash": event["id"],
    }


def _check_training_file(content: bytes) -> str | None:
    """Why a training file is not a fine-tuning file (chat rows ending in an assistant turn), or None."""
    lines = [line for line in content.splitlines() if line.strip()]
    if not lines:
        return "The file has no examples."
    for number, line in enumerate(lines, 1):
        try:
            row = orjson.loads(line)
        except orjson.JSONDecodeError:
            return f"Line {number} is not valid JSON."
        messages = row.get("messages") if isinstance(row, dict) else None
        if not isinstance(messages, list) or not messages:
            return f"Line {number} has no 'messages' list."
        if not isinstance(messages[-1], dict) or messages[-1].get("role") != "assistant":
            return f"Line {number}: the last message must be an assistant message."
    return None


def _tokens(content: bytes) -> int:
    """A rough token count of a training file (four characters a token), as a fake's trained tokens."""
    return max(1, len(content) // 4)


def _iso(seconds: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


def _error(message: str, code: str | None = None, param: str | None = None) -> dict[str, Any]:
    return {"error": {"message": message, "type": "invalid_request_error", "param": param, "code": code}}


# Logs one call of a fine-tuning API: (api, the HTTP request, its raw body).
CallLogger = Callable[[str, web.BaseRequest, bytes], None]


def handles(path: str) -> bool:
    """Whether a path belongs to the fine-tuning APIs (or Together's upload)."""
    return path.startswith(("/v1/fine_tuning/", "/v1/fine-tunes")) or path == "/v1/files/upload"


async def serve_finetunes(store: FakeFinetunes, request: web.BaseRequest, log: CallLogger) -> web.Response:
    """Both fine-tuning APIs: calls are logged under ``openai-finetune`` or ``together-finetune``."""
    method, path = request.method, request.path
    together = path.startswith("/v1/fine-tunes") or path == "/v1/files/upload"
    api = "together" if together else "openai"
    if method == "POST" and path == "/v1/files/upload":
        form = await request.post()
        log("together-finetune", request, b"")
        upload = form.get("file")
        if not isinstance(upload, web.FileField):
            return _json({"error": {"message": "no file in the upload"}}, 400)
        name = str(form.get("file_name") or upload.filename)
        found = store.files.upload(name, str(form.get("purpose") or "fine-tune"), upload.file.read())
        lines = len([line for line in store.files.files[found["id"]][2].splitlines() if line.strip()])
        return _json({**found, "FileType": "jsonl", "LineCount": lines}, 200)
    raw = await request.read()
    log(f"{api}-finetune", request, raw)
    parts = path.strip("/").split("/")[2 if together else 3 :]
    if method == "POST" and not parts:
        return _reply(store.create(orjson.loads(raw or b"{}"), api))
    if method == "GET" and not parts:
        return _json(store.listing(api), 200)
    if method == "GET" and len(parts) == 1:
        return _reply(store.retrieve(parts[0]))
    if method == "GET" and len(parts) == 2 and parts[1] == "events":
        limit = int(request.query.get("limit", "20"))
        return _reply(store.events(parts[0], request.query.get("after"), limit))
    if method == "GET" and len(parts) == 2 and parts[1] == "checkpoints":
        return _reply(store.checkpoints(parts[0]))
    if method == "POST" and len(parts) == 2 and parts[1] == "cancel":
        return _reply(store.cancel(parts[0]))
    return _json({"error": {"message": f"no route {method} {path}"}}, 404)


def _reply(answer: tuple[int, dict[str, Any]]) -> web.Response:
    return _json(answer[1], answer[0])


def _json(body: Any, status: int) -> web.Response:
    return web.Response(body=orjson.dumps(body), status=status, content_type="application/json")
