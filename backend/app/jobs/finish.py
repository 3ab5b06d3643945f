"""What a finished or stopped job leaves in its dataset: the row count and status, or a new version."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from app.datasets import service as datasets
from app.datasets.repository import DatasetRepository, DatasetVersionRepository
from app.jobs import repository
from app.models import DatasetStatus, Job


async def finish_dataset(session: AsyncSession, job: Job, status: DatasetStatus) -> None:
    """Recount the dataset's rows and set its status (a generation job stopped or finished)."""
    datasets_repo = DatasetRepository(session)
    dataset = await datasets_repo.get(job.dataset_id, fresh=True)
    if dataset is None:
        return
    count = await datasets_repo.set_example_count(dataset.id)
    if dataset.status is not DatasetStatus.preview:  # a preview's rows stay hidden until discarded
        dataset.status = status
    version = await DatasetVersionRepository(session).get_version(dataset.id, dataset.version)
    if version is not None:
        version.example_count = count


async def finish_version(
    session: AsyncSession, job: Job, target: int, words: Sequence[tuple[str, str]]
) -> None:
    """Make the job's target version current, summarised by its verdicts (``words``: verdict, word)."""
    dataset = await DatasetRepository(session).get(job.dataset_id, fresh=True)
    if dataset is None:
        return
    verdicts = (await repository.verdicts(session, [job.id]))[job.id]
    summary = ", ".join(f"{verdicts.get(verdict, 0)} {word}" for verdict, word in words)
    await datasets.finish_version(session, dataset, target, f"{job.kind.value} job: {summary}")
    dataset.status = DatasetStatus.ready
