"""Jobs: start a generation, watch it (polling or Server-Sent Events), control it, read its ledger."""

from __future__ import annotations

import asyncio
import io
import json
import uuid
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.auth.deps import CurrentUser, require_role
from app.core.deps import SessionDep, SettingsDep
from app.core.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    NotFound,
    PayloadTooLarge,
    TooManyRequests,
    Unauthorized,
    error_responses,
)
from app.datasets.schemas import RowError
from app.jobs import control, ledger_repository, repository, scenarios, service
from app.jobs.advice import AdviceRead, advice
from app.jobs.estimate import EstimateRead, EstimateRequest, estimate
from app.jobs.kinds import generate, preference, quality, regenerate, relabel
from app.jobs.savings import SavingsRead, job_savings, price_table
from app.jobs.schemas import (
    BudgetRead,
    BudgetUpdate,
    CallRead,
    GenerationRequest,
    ItemRead,
    JobRead,
    JobUpdate,
    PreferenceRequest,
    PreviewRead,
    QualityRequest,
    RegenerateRequest,
    RelabelRequest,
    ResumeRequest,
    SeedExample,
    SeedExamplesRead,
    SeedExamplesText,
)
from app.kit.pagination import PaginationDep
from app.kit.schemas import Page
from app.models import JobStatus, Role, User
from app.users.quotas import JobTooLarge
from distillation.amplify import seeds
from distillation.formats import FileFormatError, InputLimitError
from distillation.scenarios import DistributionReport

router = APIRouter(prefix="/jobs", tags=["jobs"])
budget_router = APIRouter(prefix="/budget", tags=["jobs"])
Editor = Annotated[User, require_role(Role.admin, Role.editor)]
Admin = Annotated[User, require_role(Role.admin)]
READ_ERRORS = error_responses(Unauthorized, NotFound)
CONTROL_ERRORS = error_responses(Unauthorized, Forbidden, NotFound, Conflict)
# Starting work: the job's size (422) and the caller's unfinished jobs (429) have quotas.
QUOTA_ERRORS = error_responses(JobTooLarge, TooManyRequests)
RESTART_ERRORS = CONTROL_ERRORS | error_responses(TooManyRequests)
TERMINAL = (JobStatus.completed, JobStatus.failed, JobStatus.cancelled)
SEED_EXAMPLES_MAX = 200


@router.post(
    "/generate",
    status_code=201,
    responses=error_responses(Unauthorized, Forbidden, NotFound, BadRequest) | QUOTA_ERRORS,
)
async def start_generation(
    user: Editor, session: SessionDep, settings: SettingsDep, body: GenerationRequest
) -> JobRead:
    """Create a dataset and start the job that generates it."""
    job = await service.create_generation(session, user, body, settings)
    return (await service.read(session, [job]))[0]


@router.post(
    "/generate/preview",
    status_code=201,
    responses=error_responses(Unauthorized, Forbidden, NotFound, BadRequest) | QUOTA_ERRORS,
)
async def start_preview(
    user: Editor, session: SessionDep, settings: SettingsDep, body: GenerationRequest
) -> JobRead:
    """Write 3 rows as the request would, to look at before the full run (``count`` is ignored).

    The rows go through the same paid calls, ledger and budgets as a job's, into no dataset of the
    user's: read them with ``GET /jobs/{id}/preview``, then discard them with ``DELETE``.
    """
    job = await generate.create_preview(session, user, body, settings)
    return (await service.read(session, [job]))[0]


@router.post(
    "/quality",
    status_code=201,
    responses=error_responses(Unauthorized, Forbidden, NotFound, BadRequest, Conflict) | QUOTA_ERRORS,
)
async def start_quality(
    user: Editor, session: SessionDep, settings: SettingsDep, body: QualityRequest
) -> JobRead:
    """Judge every row of a dataset, fix low scorers and remove the worst, as the dataset's next version."""
    job = await quality.create(session, user, body, settings)
    return (await service.read(session, [job]))[0]


@router.post(
    "/regenerate",
    status_code=201,
    responses=error_responses(Unauthorized, Forbidden, NotFound, BadRequest, Conflict) | QUOTA_ERRORS,
)
async def start_regenerate(
    user: Editor, session: SessionDep, settings: SettingsDep, body: RegenerateRequest
) -> JobRead:
    """Write the chosen rows anew with the models of the job that generated them, as the next version."""
    job = await regenerate.create(session, user, body, settings)
    return (await service.read(session, [job]))[0]


@router.post(
    "/relabel",
    status_code=201,
    responses=error_responses(Unauthorized, Forbidden, NotFound, BadRequest) | QUOTA_ERRORS,
)
async def start_relabel(
    user: Editor, session: SessionDep, settings: SettingsDep, body: RelabelRequest
) -> JobRead:
    """Create a dataset and start the job in which the teacher answers every prompt of a prompt set."""
    job = await relabel.create(session, user, body, settings)
    return (await service.read(session, [job]))[0]


@router.post(
    "/preference",
    status_code=201,
    responses=error_responses(Unauthorized, Forbidden, NotFound, BadRequest) | QUOTA_ERRORS,
)
async def start_preference(
    user: Editor, session: SessionDep, settings: SettingsDep, body: PreferenceRequest
) -> JobRead:
    """Create a dataset and start the job that makes preference pairs (teacher vs student) of a prompt set."""
    job = await preference.create(session, user, body, settings)
    return (await service.read(session, [job]))[0]


@router.post(
    "/seed-examples", responses=error_responses(Unauthorized, Forbidden, BadRequest, PayloadTooLarge)
)
async def read_seed_examples(_: Editor, body: SeedExamplesText) -> SeedExamplesRead:
    """Read examples to amplify (JSONL, a JSON array, or CSV): the usable ones and every bad line."""
    try:
        pairs, bad = seeds.read_seed_examples(io.BytesIO(body.text.encode()), max_examples=SEED_EXAMPLES_MAX)
    except InputLimitError as exc:
        raise PayloadTooLarge(f"{exc} (at most {SEED_EXAMPLES_MAX} examples)") from exc
    except FileFormatError as exc:
        raise BadRequest(str(exc)) from exc
    if not pairs and not bad:
        raise BadRequest("the text holds no examples: give JSONL, a JSON array or CSV with input and output")
    return SeedExamplesRead(
        examples=[SeedExample(input=pair.input, output=pair.output) for pair in pairs],
        errors=[RowError(line=line, reason=reason) for line, reason in bad],
    )


@router.post("/estimate", responses=error_responses(Unauthorized, NotFound, BadRequest))
async def estimate_generation(
    _: CurrentUser, session: SessionDep, settings: SettingsDep, body: EstimateRequest
) -> EstimateRead:
    """What the job would cost per stage, in total and by lever, against the teacher alone and humans.

    Priced offline (no provider is asked); ``warnings`` says when the estimate exceeds the budget.
    """
    job = GenerationRequest.model_validate(body.model_dump(exclude={"human_cost_per_row_usd"}))
    config = await service.generation_config(session, job, settings)
    seeds = None if body.seed_examples is None else len(body.seed_examples)
    return await estimate(
        session,
        config,
        price_table(settings),
        seeds,
        body.human_cost_per_row_usd,
        body.delivery,
        body.deadline,
    )


@router.get("/advice", responses=error_responses(Unauthorized, BadRequest))
async def model_advice(
    _: CurrentUser,
    session: SessionDep,
    settings: SettingsDep,
    teacher: Annotated[str, Query(min_length=3, max_length=264, description="provider:model")],
    data_type: Annotated[str, Query(max_length=64)] = "qa",
    count: Annotated[int, Query(ge=1, le=1_000_000)] = 1000,
    max_tokens: Annotated[int, Query(ge=16, le=32_000)] = 512,
    limit: Annotated[int, Query(ge=1, le=50)] = 5,
) -> AdviceRead:
    """Students and cheap judges for a teacher from the price catalogue, each with the planned job's
    estimated cost and saving at the default settings, as the job's estimate prices it (no provider is
    asked; only models with a known price; unknown facts are null).
    """
    return await advice(
        session,
        price_table(settings),
        teacher=teacher,
        data_type=data_type,
        count=count,
        max_tokens=max_tokens,
        limit=limit,
    )


@router.get("", responses=error_responses(Unauthorized))
async def list_jobs(
    _: CurrentUser,
    session: SessionDep,
    pagination: PaginationDep,
    status: JobStatus | None = None,
    dataset_id: uuid.UUID | None = None,
) -> Page[JobRead]:
    """Jobs, newest first."""
    jobs, total = await repository.list_jobs(
        session, status=status, dataset_id=dataset_id, limit=pagination.page_size, offset=pagination.offset
    )
    return Page(
        items=await service.read(session, jobs),
        total=total,
        page=pagination.page,
        page_size=pagination.page_size,
    )


@router.get("/{job_id}/scenarios", responses=READ_ERRORS | error_responses(BadRequest))
async def job_scenarios(
    _: CurrentUser, session: SessionDep, settings: SettingsDep, job_id: uuid.UUID
) -> DistributionReport:
    """The scenario distribution the job aimed for against what its dataset's current version holds."""
    return await scenarios.report(session, settings, await service.get(session, job_id))


@router.get("/{job_id}", responses=READ_ERRORS)
async def get_job(_: CurrentUser, session: SessionDep, job_id: uuid.UUID) -> JobRead:
    """A job with its progress per stage, cost so far and ETA; once ended, how its rows were checked."""
    return (await service.read(session, [await service.get(session, job_id)], summary=True))[0]


@router.get("/{job_id}/preview", responses=READ_ERRORS)
async def get_preview(_: CurrentUser, session: SessionDep, job_id: uuid.UUID) -> PreviewRead:
    """A preview job's rows with how each was checked, its removed items, and its cost from the ledger."""
    return await service.preview(session, await service.get(session, job_id))


@router.delete("/{job_id}/preview", status_code=204, responses=CONTROL_ERRORS)
async def discard_preview(user: Editor, session: SessionDep, job_id: uuid.UUID) -> None:
    """Delete an ended preview with its rows; its ledger rows (the spend) stay."""
    await service.discard_preview(session, user, await service.get(session, job_id))


@router.get("/{job_id}/savings", responses=READ_ERRORS)
async def savings_of_job(
    _: CurrentUser, session: SessionDep, settings: SettingsDep, job_id: uuid.UUID
) -> SavingsRead:
    """What the job cost against the teacher writing and validating every row with the same policy,
    the saving, each lever's part, and a sentence that holds for free and fully cached runs."""
    return await job_savings(session, price_table(settings), await service.get(session, job_id))


@router.patch("/{job_id}", responses=CONTROL_ERRORS)
async def update_job(user: Editor, session: SessionDep, job_id: uuid.UUID, body: JobUpdate) -> JobRead:
    """Change the job's budget."""
    job = await control.update_budget(session, user, job_id, body.budget_usd)
    return (await service.read(session, [job]))[0]


@router.post("/{job_id}/pause", responses=CONTROL_ERRORS)
async def pause_job(user: Editor, session: SessionDep, job_id: uuid.UUID) -> JobRead:
    """Stop claiming items; those in flight finish."""
    return (await service.read(session, [await control.pause(session, user, job_id)]))[0]


@router.post("/{job_id}/resume", responses=RESTART_ERRORS)
async def resume_job(
    user: Editor,
    session: SessionDep,
    settings: SettingsDep,
    job_id: uuid.UUID,
    body: ResumeRequest | None = None,
) -> JobRead:
    """Run a paused or cancelled job again, optionally with a new budget."""
    budget = body.budget_usd if body is not None else None
    return (await service.read(session, [await control.resume(session, settings, user, job_id, budget)]))[0]


@router.post("/{job_id}/cancel", responses=CONTROL_ERRORS)
async def cancel_job(user: Editor, session: SessionDep, job_id: uuid.UUID) -> JobRead:
    """Stop the job; answers already paid for are kept for a later resume."""
    return (await service.read(session, [await control.cancel(session, user, job_id)]))[0]


@router.post("/{job_id}/retry", responses=RESTART_ERRORS)
async def retry_job(user: Editor, session: SessionDep, settings: SettingsDep, job_id: uuid.UUID) -> JobRead:
    """Try the failed and rejected items again."""
    job = await control.retry_failed(session, settings, user, job_id)
    return (await service.read(session, [job]))[0]


@router.get("/{job_id}/items", responses=READ_ERRORS)
async def rejected_items(
    _: CurrentUser, session: SessionDep, job_id: uuid.UUID, pagination: PaginationDep
) -> Page[ItemRead]:
    """The job's rejected and failed items with their reasons."""
    await service.get(session, job_id)
    items, total = await repository.failed_items(
        session, job_id, limit=pagination.page_size, offset=pagination.offset
    )
    return Page(
        items=[ItemRead.model_validate(item) for item in items],
        total=total,
        page=pagination.page,
        page_size=pagination.page_size,
    )


@router.get("/{job_id}/calls", responses=READ_ERRORS)
async def ledger(
    _: CurrentUser, session: SessionDep, job_id: uuid.UUID, pagination: PaginationDep
) -> Page[CallRead]:
    """The job's ledger: one row per provider attempt."""
    await service.get(session, job_id)
    rows, total = await ledger_repository.job_calls(
        session, job_id, limit=pagination.page_size, offset=pagination.offset
    )
    return Page(
        items=[CallRead.model_validate(row) for row in rows],
        total=total,
        page=pagination.page,
        page_size=pagination.page_size,
    )


@router.get(
    "/{job_id}/events",
    responses=READ_ERRORS | {200: {"content": {"text/event-stream": {}}, "description": "Job snapshots"}},
    response_class=StreamingResponse,
)
async def job_events(
    _: CurrentUser,
    session: SessionDep,
    request: Request,
    job_id: uuid.UUID,
    interval: Annotated[float, Query(ge=0.2, le=30)] = 1.0,
) -> StreamingResponse:
    """Server-Sent Events: a ``progress`` event whenever the job changes, ``end`` when it stops."""
    await service.get(session, job_id)
    maker: async_sessionmaker[AsyncSession] = request.app.state.sessionmaker
    return StreamingResponse(
        _snapshots(maker, request, job_id, interval),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


async def _snapshots(
    maker: async_sessionmaker[AsyncSession], request: Request, job_id: uuid.UUID, interval: float
) -> AsyncIterator[str]:
    last, quiet = "", 0.0
    while not await request.is_disconnected():
        async with maker() as session:
            job = await repository.get_job(session, job_id)
            if job is None:
                yield "event: end\ndata: {}\n\n"
                return
            body = (await service.read(session, [job], summary=True))[0].model_dump_json()
        if body != last:
            last, quiet = body, 0.0
            yield f"event: progress\ndata: {body}\n\n"
        elif quiet >= 15:
            quiet = 0.0
            yield ": keep-alive\n\n"
        if job.status in TERMINAL:
            yield f"event: end\ndata: {json.dumps({'status': job.status.value})}\n\n"
            return
        await asyncio.sleep(interval)
        quiet += interval


@budget_router.get("", responses=error_responses(Unauthorized))
async def get_budget(_: CurrentUser, session: SessionDep) -> BudgetRead:
    """The global budget over every job, with its spend and reservations."""
    return BudgetRead.model_validate(await ledger_repository.get_global_budget(session))


@budget_router.put("", responses=error_responses(Unauthorized, Forbidden))
async def set_budget(_: Admin, session: SessionDep, body: BudgetUpdate) -> BudgetRead:
    """Set or clear the global spending limit, in total or per calendar month (admins)."""
    row = await ledger_repository.set_global_budget(session, body.limit_usd, body.period)
    return BudgetRead.model_validate(row)
