"""The playground: one prompt answered by the base student, the tuned student and (optionally) the teacher.

Answering loads models, so it runs in a worker (gpu queue) like training; the caller polls the task.
The base answer comes from the tuned model with its adapter switched off: one copy of the weights.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from pydantic import Field
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import outbox
from app.core.config import Settings
from app.core.errors import Conflict
from app.finetune import service
from app.finetune.runner import run_folder
from app.kit.schemas import Schema
from app.models import RunStatus, TaskRecord, User
from app.system.repository import TaskRecordRepository
from app.users.quotas import TaskQuota
from distillation.evaluate import local_answers, provider_answers
from distillation.finetune import load_run_model
from distillation.providers import Credentials

PLAY_TASK = "finetune.playground"


class PlaygroundRequest(Schema):
    """A prompt for the models of a completed run."""

    prompt: str = Field(min_length=1, max_length=8000)
    max_new_tokens: int = Field(default=128, ge=1, le=2048)
    teacher: str | None = Field(
        default=None, max_length=264, description="Also ask the teacher (costs money)."
    )


async def start(
    session: AsyncSession, quota: TaskQuota, user: User, run_id: uuid.UUID, body: PlaygroundRequest
) -> TaskRecord:
    """Queue the answers (one of the user's tasks a minute); the task record carries the prompt until the
    worker replaces it with them."""
    run = await service.get(session, run_id)
    if run.status is not RunStatus.completed:
        raise Conflict(f"the run is {run.status.value}; the playground needs a completed run")
    await quota.take(session, user)
    record = await TaskRecordRepository(session).add_task(PLAY_TASK, service.QUEUE)
    record.result = {"run_id": str(run_id), **body.model_dump()}
    outbox.enqueue(session, PLAY_TASK, record.id, record.queue)
    return record


def answer(settings: Settings, given: dict[str, Any], credentials: dict[str, Credentials]) -> dict[str, Any]:
    """The base, tuned and teacher answers to the prompt (blocking: call it from a thread)."""
    folder: Path = run_folder(settings, uuid.UUID(str(given["run_id"]))) / "run"
    messages = [{"role": "user", "content": str(given["prompt"])}]
    limit = int(given.get("max_new_tokens", 128))
    tuned, tokenizer = load_run_model(folder)
    tuned_answer = local_answers(tuned, tokenizer, [messages], max_new_tokens=limit)[0]
    with tuned.disable_adapter():
        base_answer = local_answers(tuned, tokenizer, [messages], max_new_tokens=limit)[0]
    answers: dict[str, Any] = {
        "prompt": given["prompt"],
        "base": base_answer.text,
        "tuned": tuned_answer.text,
        "teacher": None,
    }
    teacher = given.get("teacher")
    if teacher:
        reply = provider_answers(str(teacher), [messages], credentials=credentials, max_tokens=limit)[0]
        answers["teacher"] = reply.text if reply.error is None else f"error: {reply.error}"
    return answers
