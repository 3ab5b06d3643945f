"""Datasets: list, create, upload, read, change, delete, versions, export, merge, sample, split, threshold."""

from __future__ import annotations

import shutil
import tempfile
import uuid
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import FileResponse, StreamingResponse
from starlette.background import BackgroundTask

from app.auth.deps import CurrentUser, require_role
from app.core.deps import SessionDep, SettingsDep
from app.core.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    NotFound,
    PayloadTooLarge,
    Unauthorized,
    error_responses,
)
from app.datasets import derive, exporting, service, threshold, upload
from app.datasets.repository import DatasetRepository, DatasetVersionRepository
from app.datasets.schemas import (
    DATA_TYPE_PATTERN,
    ChangeKind,
    ConvertRequest,
    ConvertResult,
    DatasetCreate,
    DatasetDetail,
    DatasetRead,
    DatasetSort,
    DatasetUpdate,
    ExportFormat,
    MergeRequest,
    OnError,
    RowChange,
    SampleRequest,
    ScoreThresholds,
    SortOrder,
    SplitRequest,
    SplitResult,
    ThresholdApply,
    UploadResult,
    VersionChange,
    VersionCompare,
    VersionRead,
)
from app.jobs import savings
from app.jobs.savings import SavingsRead
from app.kit.pagination import PaginationDep
from app.kit.schemas import SEED_MAX, Page
from app.models import Role, User

router = APIRouter(prefix="/datasets", tags=["datasets"])
Editor = Annotated[User, require_role(Role.admin, Role.editor)]
READ_ERRORS = error_responses(Unauthorized, NotFound)
WRITE_ERRORS = error_responses(Unauthorized, Forbidden, NotFound)


@router.get("", responses=error_responses(Unauthorized))
async def list_datasets(
    _: CurrentUser,
    session: SessionDep,
    pagination: PaginationDep,
    data_type: Annotated[str | None, Query(max_length=32)] = None,
    domain: Annotated[str | None, Query(max_length=100)] = None,
    search: Annotated[str | None, Query(max_length=200)] = None,
    sort: DatasetSort = "created_at",
    order: SortOrder = "desc",
) -> Page[DatasetRead]:
    """Datasets, filtered by data type and domain, searched in name and description."""
    rows, total = await DatasetRepository(session).page_filtered(
        data_type=data_type,
        domain=domain,
        search=search,
        sort=sort,
        descending=order == "desc",
        pagination=pagination,
    )
    return pagination.of([DatasetRead.model_validate(r) for r in rows], total)


@router.post("", status_code=201, responses=error_responses(Unauthorized, Forbidden))
async def create_dataset(body: DatasetCreate, user: Editor, session: SessionDep) -> DatasetRead:
    """An empty dataset at version 1."""
    return DatasetRead.model_validate(await service.create(session, user, body))


@router.post(
    "/upload",
    status_code=201,
    responses=error_responses(Unauthorized, Forbidden, BadRequest, PayloadTooLarge, upload.InvalidRows),
)
async def upload_dataset(
    user: Editor,
    session: SessionDep,
    settings: SettingsDep,
    file: Annotated[UploadFile, File(description="JSONL, JSON array, CSV or Parquet")],
    name: Annotated[str, Form(min_length=1, max_length=200)],
    data_type: Annotated[str, Form(pattern=DATA_TYPE_PATTERN)],
    description: Annotated[str, Form(max_length=10_000)] = "",
    domain: Annotated[str | None, Form(min_length=1, max_length=100)] = None,
    subdomain: Annotated[str | None, Form(min_length=1, max_length=100)] = None,
    on_error: Annotated[OnError, Query(description="skip: store the good rows, report the bad")] = "fail",
) -> UploadResult:
    """Create a dataset from a file; bad rows are reported with their line numbers."""
    body = DatasetCreate(
        name=name, description=description, data_type=data_type, domain=domain, subdomain=subdomain
    )
    return await upload.upload(
        session,
        user,
        body,
        file.file,
        file.filename,
        on_error=on_error,
        max_bytes=settings.upload_max_bytes,
    )


@router.post("/merge", status_code=201, responses=WRITE_ERRORS | error_responses(BadRequest))
async def merge_datasets(body: MergeRequest, user: Editor, session: SessionDep) -> DatasetRead:
    """A new dataset with the current examples of the given datasets, in order."""
    return DatasetRead.model_validate(await derive.merge(session, user, body))


@router.get("/{dataset_id}", responses=READ_ERRORS)
async def get_dataset(dataset_id: uuid.UUID, _: CurrentUser, session: SessionDep) -> DatasetDetail:
    """A dataset with statistics of its current version."""
    return await service.detail(session, dataset_id)


@router.get("/{dataset_id}/savings", responses=READ_ERRORS)
async def dataset_savings(
    dataset_id: uuid.UUID, _: CurrentUser, session: SessionDep, settings: SettingsDep
) -> SavingsRead:
    """What the generation jobs that wrote the dataset cost against the teacher alone, and the saving."""
    dataset = await service.get(session, dataset_id)
    return await savings.dataset_savings(session, savings.price_table(settings), dataset.id)


@router.patch("/{dataset_id}", responses=WRITE_ERRORS | error_responses(BadRequest))
async def update_dataset(
    dataset_id: uuid.UUID, body: DatasetUpdate, user: Editor, session: SessionDep
) -> DatasetRead:
    """Change name, description, domain or subdomain."""
    return DatasetRead.model_validate(await service.update(session, user, dataset_id, body))


@router.delete("/{dataset_id}", status_code=204, responses=WRITE_ERRORS)
async def delete_dataset(dataset_id: uuid.UUID, user: Editor, session: SessionDep) -> None:
    """Delete a dataset with all its versions and examples."""
    await service.delete(session, user, dataset_id)


@router.get("/{dataset_id}/versions", responses=READ_ERRORS)
async def list_versions(
    dataset_id: uuid.UUID, _: CurrentUser, session: SessionDep, pagination: PaginationDep
) -> Page[VersionRead]:
    """Versions, newest first."""
    await service.get(session, dataset_id)
    rows, total = await DatasetVersionRepository(session).page_newest(dataset_id, pagination)
    return pagination.of([VersionRead.model_validate(r) for r in rows], total)


@router.get("/{dataset_id}/versions/compare", responses=READ_ERRORS)
async def compare_versions(
    dataset_id: uuid.UUID,
    _: CurrentUser,
    session: SessionDep,
    from_version: Annotated[int, Query(alias="from", ge=1)],
    to_version: Annotated[int, Query(alias="to", ge=1)],
) -> VersionCompare:
    """Examples added, removed and changed between two versions, by item key."""
    return await service.compare(session, dataset_id, from_version, to_version)


@router.get("/{dataset_id}/versions/compare/rows", responses=READ_ERRORS)
async def compare_version_rows(
    dataset_id: uuid.UUID,
    _: CurrentUser,
    session: SessionDep,
    pagination: PaginationDep,
    from_version: Annotated[int, Query(alias="from", ge=1)],
    to_version: Annotated[int, Query(alias="to", ge=1)],
    kind: ChangeKind = "changed",
) -> Page[RowChange]:
    """The rows of one change kind between two versions, by item key, with their messages in each."""
    return await service.compare_rows(session, dataset_id, from_version, to_version, kind, pagination)


@router.get("/{dataset_id}/threshold", responses=READ_ERRORS)
async def score_thresholds(dataset_id: uuid.UUID, _: CurrentUser, session: SessionDep) -> ScoreThresholds:
    """How many scored rows of the current version each minimum judge score (0 to 10) keeps and removes."""
    return await threshold.partition(session, dataset_id)


@router.post("/{dataset_id}/threshold", responses=WRITE_ERRORS | error_responses(Conflict))
async def apply_threshold(
    dataset_id: uuid.UUID, body: ThresholdApply, user: Editor, session: SessionDep
) -> VersionChange:
    """Remove the rows scored below ``min_score`` as one new version; rows without a score stay."""
    return await threshold.apply(session, user, dataset_id, body)


@router.get(
    "/{dataset_id}/export",
    response_class=StreamingResponse,
    response_model=None,
    responses={
        200: {"content": {t: {} for t in sorted(set(exporting.MEDIA_TYPES.values()))}},
        **READ_ERRORS,
        **error_responses(BadRequest),
    },
)
async def export_dataset(
    dataset_id: uuid.UUID,
    request: Request,
    _: CurrentUser,
    session: SessionDep,
    settings: SettingsDep,
    format: ExportFormat = "jsonl",
    version: Annotated[int | None, Query(ge=1)] = None,
    spreadsheet_safe: Annotated[bool, Query(description="CSV: prefix formula-like cells with '")] = True,
    split: Annotated[str | None, Query(max_length=64, description="only the rows of this split")] = None,
    splits: Annotated[
        str | None, Query(max_length=500, description="ratios: train=0.8,validation=0.1,test=0.1 (default)")
    ] = None,
    seed: Annotated[int, Query(ge=0, le=SEED_MAX, description="the split seed")] = 0,
) -> StreamingResponse | FileResponse:
    """Download a version (the current one by default) as a file in a training format, or one split of it."""
    dataset = await service.get(session, dataset_id)
    number = await service.check_version(session, dataset, version)
    choice = exporting.SplitChoice.of(split, splits, seed)
    if format in exporting.PREFERENCE_FORMATS:
        if choice is not None:
            raise BadRequest(f"{format} exports the whole version: splits are for the chat formats")
        await exporting.check_preferences(session, dataset.id, number)
        pairs = exporting.stream_preferences(request.app.state.sessionmaker, dataset.id, number, format)
        headers = {"Content-Disposition": exporting.filename(dataset, number, format)}
        return StreamingResponse(pairs, media_type=exporting.MEDIA_TYPES[format], headers=headers)
    plan = exporting.ExportPlan.of(format, spreadsheet_safe=spreadsheet_safe, split=choice)
    headers = {"Content-Disposition": exporting.filename(dataset, number, format, split)}
    if format == "parquet":
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        folder = tempfile.mkdtemp(prefix="export-", dir=settings.data_dir)
        path = Path(folder) / "export.parquet"
        try:
            await exporting.write_file(session, dataset.id, number, plan, path)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        cleanup = BackgroundTask(shutil.rmtree, folder, ignore_errors=True)
        return FileResponse(
            path, headers=headers, media_type=exporting.MEDIA_TYPES[format], background=cleanup
        )
    body = exporting.stream_text(request.app.state.sessionmaker, dataset.id, number, plan)
    return StreamingResponse(body, media_type=exporting.MEDIA_TYPES[format], headers=headers)


@router.post("/{dataset_id}/sample", status_code=201, responses=WRITE_ERRORS | error_responses(BadRequest))
async def sample_dataset(
    dataset_id: uuid.UUID, body: SampleRequest, user: Editor, session: SessionDep
) -> DatasetRead:
    """A new dataset with n examples picked at random; the same seed picks the same examples."""
    return DatasetRead.model_validate(await derive.sample(session, user, dataset_id, body))


@router.post("/{dataset_id}/convert", status_code=201, responses=WRITE_ERRORS | error_responses(BadRequest))
async def convert_dataset(
    dataset_id: uuid.UUID, body: ConvertRequest, user: Editor, session: SessionDep
) -> ConvertResult:
    """A new dataset reshaped into another record view; what the view could not keep is reported per kind."""
    return await derive.convert(session, user, dataset_id, body)


@router.post("/{dataset_id}/split", status_code=201, responses=WRITE_ERRORS | error_responses(BadRequest))
async def split_dataset(
    dataset_id: uuid.UUID, body: SplitRequest, user: Editor, session: SessionDep
) -> SplitResult:
    """One new dataset per split (train/validation/test by default), deterministic for a seed."""
    created = await derive.split(session, user, dataset_id, body)
    return SplitResult(datasets={k: DatasetRead.model_validate(v) for k, v in created.items()})
