"""The stored Hub token and Hub pushes of dataset versions and fine-tune runs, run by a worker.

The token is a ``ProviderCredential`` row named ``huggingface`` (Fernet-encrypted like provider keys,
only its last 4 characters shown); the providers' own listing leaves it out. A push is a task record:
the request checks what it can (role, dataset, version, splits, a stored token) and answers 202; the
worker writes the files, commits them to the Hub and records the outcome, with the Hub's refusal
(bad token, no access, repo not found, unreachable) as the task's error. A fine-tune run is pushed the
same way to a model repo: its adapter, merged model or GGUF files, with a model card that carries the
run's evaluation when it has one.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.core import outbox
from app.core.config import Settings
from app.core.errors import BadRequest, Conflict, NotFound, UnprocessableContent
from app.datasets import exporting
from app.datasets import service as datasets
from app.datasets.example_repository import ExampleRepository
from app.datasets.repository import DatasetRepository
from app.finetune import service as finetune
from app.finetune.provider import tuned_run_dir
from app.finetune.repository import FinetuneRunRepository
from app.hub.schemas import HubModelPushRequest, HubPushRequest, HubSettingsRead, HubTokenWrite
from app.models import Example, ProviderCredential, RunStatus, TaskRecord, User
from app.models.provider import HUB_CREDENTIAL
from app.providers import crypto
from app.providers.repository import ProviderCredentialRepository
from app.providers.service import key_hint
from app.system.repository import TaskRecordRepository
from app.users.quotas import TaskQuota
from distillation.commands.convert import parse_splits
from distillation.export import DatasetCardInfo, HubPushError, HubTarget, push_dataset, validate_splits
from distillation.finetune import FinetuneError
from distillation.finetune.hub import available_outputs, push_model

PUSH_TASK = "hub.push_dataset"
MODEL_PUSH_TASK = "hub.push_model"
NEEDS_HUB_LOGIN = "store a Hugging Face token in Settings → Hugging Face before pushing"


async def read_settings(session: AsyncSession, settings: Settings) -> HubSettingsRead:
    """Whether a token is stored, never the token."""
    row = await ProviderCredentialRepository(session).get_by_name(HUB_CREDENTIAL)
    if row is None or not row.encrypted_key:
        return HubSettingsRead(configured=False, endpoint=settings.hub_endpoint)
    return HubSettingsRead(
        configured=True,
        key_last4=row.key_last4,
        endpoint=settings.hub_endpoint,
        updated_at=row.updated_at or row.created_at,
    )


async def save_token(
    session: AsyncSession, settings: Settings, admin: User, body: HubTokenWrite
) -> HubSettingsRead:
    """Store (or replace) the Hub token, encrypted."""
    repo = ProviderCredentialRepository(session)
    row = await repo.get_by_name(HUB_CREDENTIAL)
    if row is None:
        row = ProviderCredential(name=HUB_CREDENTIAL, provider=HUB_CREDENTIAL)
    token = body.token.get_secret_value()
    row.encrypted_key = crypto.encrypt(settings.credentials_key, token)
    row.key_last4 = key_hint(token)
    row.updated_by_id = admin.id
    await repo.create(row)
    return await read_settings(session, settings)


async def delete_token(session: AsyncSession) -> None:
    """Forget the stored Hub token."""
    repo = ProviderCredentialRepository(session)
    row = await repo.get_by_name(HUB_CREDENTIAL)
    if row is None:
        raise NotFound("no Hugging Face token is stored")
    await repo.delete(row)


async def stored_token(session: AsyncSession, settings: Settings) -> str | None:
    """The decrypted token, or None when none is stored (or it cannot be decrypted any more)."""
    row = await ProviderCredentialRepository(session).get_by_name(HUB_CREDENTIAL)
    if row is None or not row.encrypted_key:
        return None
    try:
        return crypto.decrypt(settings.credentials_key, row.encrypted_key)
    except crypto.UnreadableSecret:
        return None


async def start_push(
    session: AsyncSession,
    settings: Settings,
    quota: TaskQuota,
    user: User,
    dataset_id: uuid.UUID,
    body: HubPushRequest,
) -> TaskRecord:
    """Check the push and queue it; the task record reports its progress and outcome."""
    dataset = await datasets.get_writable(session, user, dataset_id)
    version = await datasets.check_version(session, dataset, body.version)
    _ratios(body.splits)
    if await stored_token(session, settings) is None:
        raise UnprocessableContent(NEEDS_HUB_LOGIN)
    await quota.take(session, user)
    record = await TaskRecordRepository(session).add_task(PUSH_TASK, "default")
    record.result = {
        "dataset_id": str(dataset.id),
        "version": version,
        "repo_id": body.repo_id,
        "private": body.private,
        "format": body.format,
        "splits": body.splits,
        "seed": body.seed,
    }
    outbox.enqueue(session, PUSH_TASK, record.id, record.queue)
    return record


def _ratios(splits: str | None) -> dict[str, float] | None:
    if not splits:
        return None
    try:
        return validate_splits(parse_splits(splits) or {})
    except ValueError as exc:
        raise BadRequest(str(exc)) from exc


async def run_push(session: AsyncSession, settings: Settings, given: dict[str, Any]) -> dict[str, Any]:
    """Push one dataset version; returns the summary (``error`` and ``kind`` when the Hub refused)."""
    dataset_id = uuid.UUID(str(given["dataset_id"]))
    dataset = await DatasetRepository(session).get(dataset_id)
    if dataset is None:
        return {"error": "the dataset was deleted", "kind": "not_found"}
    token = await stored_token(session, settings)
    if token is None:
        return {
            "error": "no Hugging Face token is stored (or it cannot be decrypted)",
            "kind": "unauthorized",
        }
    version = int(given["version"])
    records: list[dict[str, Any]] = []
    provenance = _Provenance()
    async for batch in ExampleRepository(session).iter_examples(dataset_id, version):
        for example in batch:
            records.append(exporting.export_record(example))
            provenance.add(example)
    card = DatasetCardInfo(
        pretty_name=dataset.name,
        description=dataset.description,
        language=tuple(str(code) for code in (dataset.extra or {}).get("language", ["en"])),
        tags=tuple(t for t in (dataset.data_type, dataset.domain) if t),
        style="chat",
        **provenance.card_fields(),
    )
    steps: list[str] = []
    target = HubTarget(str(given["repo_id"]), token, bool(given.get("private", True)))
    try:
        result = await asyncio.to_thread(
            push_dataset,
            records,
            target,
            fmt=str(given.get("format", "parquet")),
            splits=_ratios(given.get("splits")),
            seed=int(given.get("seed", 0)),
            card=card,
            endpoint=settings.hub_endpoint,
            progress=steps.append,
        )
    except HubPushError as exc:
        return {"error": str(exc), "kind": exc.kind, "repo_id": target.repo_id, "steps": steps}
    return {
        "dataset_id": str(dataset_id),
        "version": version,
        "repo_id": result.repo_id,
        "url": result.url,
        "commit_url": result.commit_url,
        "counts": result.counts,
        "files": list(result.files),
        "steps": steps,
    }


async def start_model_push(
    session: AsyncSession,
    settings: Settings,
    quota: TaskQuota,
    user: User,
    run_id: uuid.UUID,
    body: HubModelPushRequest,
) -> TaskRecord:
    """Check a fine-tune run's push (owner or admin, completed, outputs present, a token) and queue it."""
    run = await finetune.get_controlled(session, user, run_id)
    if run.status is not RunStatus.completed:
        raise Conflict(f"only a completed run can be pushed; this one is {run.status.value}")
    present = await asyncio.to_thread(available_outputs, tuned_run_dir(settings, str(run.id)))
    missing = [name for name in body.outputs if name not in present]
    if missing:
        held = ", ".join(present) or "none"
        raise UnprocessableContent(f"the run has no {' or '.join(missing)} output (it holds: {held})")
    if await stored_token(session, settings) is None:
        raise UnprocessableContent(NEEDS_HUB_LOGIN)
    await quota.take(session, user)
    record = await TaskRecordRepository(session).add_task(MODEL_PUSH_TASK, "default")
    record.result = {
        "run_id": str(run.id),
        "repo_id": body.repo_id,
        "private": body.private,
        "outputs": list(dict.fromkeys(body.outputs)),
    }
    outbox.enqueue(session, MODEL_PUSH_TASK, record.id, record.queue)
    return record


async def run_model_push(session: AsyncSession, settings: Settings, given: dict[str, Any]) -> dict[str, Any]:
    """Push a run's outputs to a model repo; returns the summary (``error`` and ``kind`` when refused)."""
    run = await FinetuneRunRepository(session).get(uuid.UUID(str(given["run_id"])))
    if run is None or run.status is not RunStatus.completed:
        return {"error": "the run was deleted or is no longer completed", "kind": "not_found"}
    token = await stored_token(session, settings)
    if token is None:
        return {
            "error": "no Hugging Face token is stored (or it cannot be decrypted)",
            "kind": "unauthorized",
        }
    evaluation = run.evaluation if run.evaluation and run.evaluation.get("models") else None
    steps: list[str] = []
    target = HubTarget(str(given["repo_id"]), token, bool(given.get("private", True)))
    try:
        result = await asyncio.to_thread(
            push_model,
            tuned_run_dir(settings, str(run.id)),
            target,
            what=[str(name) for name in given.get("outputs") or ["adapter"]],
            endpoint=settings.hub_endpoint,
            evaluation=evaluation,
            progress=steps.append,
        )
    except HubPushError as exc:
        return {"error": str(exc), "kind": exc.kind, "repo_id": target.repo_id, "steps": steps}
    except (ValueError, FinetuneError) as exc:
        return {"error": str(exc), "kind": "rejected", "repo_id": target.repo_id, "steps": steps}
    return {
        "run_id": str(run.id),
        "repo_id": result.repo_id,
        "url": result.url,
        "commit_url": result.commit_url,
        "outputs": list(result.outputs),
        "files": list(result.files),
        "steps": steps,
    }


class _Provenance:
    """What the card says about how the rows were made, gathered from their provenance."""

    def __init__(self) -> None:
        self.teachers: Counter[str] = Counter()
        self.students: Counter[str] = Counter()
        self.judges: Counter[str] = Counter()
        self.judged = 0
        self.rows = 0
        self.cost = Decimal(0)

    def add(self, example: Example) -> None:
        self.rows += 1
        found = example.provenance or {}
        model = found.get("model")
        if isinstance(model, str) and model:
            (self.teachers if example.stage in ("seed", "teacher") else self.students)[model] += 1
        judge = found.get("judge_model")
        if isinstance(judge, str) and judge:
            self.judges[judge] += 1
            self.judged += 1
        for call in found.get("calls") or []:
            cost = call.get("cost_usd") if isinstance(call, dict) else None
            if isinstance(cost, int | float | str):
                try:
                    self.cost += Decimal(str(cost))
                except ArithmeticError:
                    continue

    def card_fields(self) -> dict[str, Any]:
        def top(counter: Counter[str]) -> str | None:
            return ", ".join(name for name, _ in counter.most_common(3)) or None

        policy = f"{self.judged} of {self.rows} rows scored by an LLM judge" if self.rows else None
        return {
            "teacher_model": top(self.teachers),
            "student_model": top(self.students),
            "judge_model": top(self.judges),
            "judge_policy": policy,
            "cost_usd": float(self.cost) if self.cost else None,
        }
