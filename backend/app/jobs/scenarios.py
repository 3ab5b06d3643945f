"""The scenario distribution a generation job aimed for, against what its dataset holds now.

Targets come from the job's own configuration (domains, subdomain, language, seed) over the domain
configuration as it is now; achieved shares count the scenario of every row of the dataset's current
version (rows edited, removed or fixed since the job are counted as they are).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import Settings
from app.core.errors import BadRequest
from app.datasets import repository as dataset_repository
from app.domains.service import domains_config
from app.models import Dataset, Example, Job, JobKind
from distillation.pipeline import GenerationConfig, scenario_sampler
from distillation.scenarios import DistributionReport, ScenarioTally

BATCH = 1_000


async def report(session: AsyncSession, settings: Settings, job: Job) -> DistributionReport:
    """Achieved against target shares of every scenario key, over the current version of the job's dataset.

    Raises:
        BadRequest: The job is not a generation job, or its domains are no longer configured.
    """
    if job.kind is not JobKind.generate:
        raise BadRequest("only a generation job draws scenarios")
    config = GenerationConfig.model_validate(
        {k: v for k, v in job.config.items() if k in GenerationConfig.model_fields}
    )
    try:
        targets = scenario_sampler(config, await domains_config(session, settings)).target_shares()
    except (KeyError, ValueError) as exc:
        raise BadRequest(f"the job's domains are no longer configured: {exc}") from exc
    dataset = await session.get(Dataset, job.dataset_id)
    tally = ScenarioTally()
    if dataset is not None:
        query = (
            select(Example.provenance)
            .where(Example.dataset_id == dataset.id, dataset_repository.live_at(dataset.version))
            .execution_options(yield_per=BATCH)
        )
        async for provenance in await session.stream_scalars(query):
            scenario = (provenance or {}).get("scenario")
            if isinstance(scenario, dict) and scenario:
                tally.add({str(k): str(v) for k, v in scenario.items()})
    return tally.report(targets)
