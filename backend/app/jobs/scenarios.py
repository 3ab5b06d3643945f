"""The scenario distribution a generation job aimed for, against what its dataset holds now.

Targets come from the job's own configuration (domains, subdomain, language, seed) over the domain
configuration as it is now; achieved shares count the scenario of every row of the dataset's current
version (rows edited, removed or fixed since the job are counted as they are).
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import Settings
from app.core.errors import BadRequest
from app.domains.service import domains_config
from app.jobs import example_repository
from app.jobs.kinds.registry import kind_of
from app.models import Job, JobKind
from distillation.pipeline import scenario_sampler
from distillation.scenarios import DistributionReport, ScenarioTally

BATCH = 1_000


async def report(session: AsyncSession, settings: Settings, job: Job) -> DistributionReport:
    """Achieved against target shares of every scenario key, over the current version of the job's dataset.

    Raises:
        BadRequest: The job is not a generation job, or its domains are no longer configured.
    """
    if job.kind is not JobKind.generate:
        raise BadRequest("only a generation job draws scenarios")
    config = kind_of(job.kind).config_of(job)
    try:
        targets = scenario_sampler(config, await domains_config(session, settings)).target_shares()
    except (KeyError, ValueError) as exc:
        raise BadRequest(f"the job's domains are no longer configured: {exc}") from exc
    tally = ScenarioTally()
    async for provenance in example_repository.current_provenances(session, job.dataset_id, batch=BATCH):
        scenario = (provenance or {}).get("scenario")
        if isinstance(scenario, dict) and scenario:
            tally.add({str(k): str(v) for k, v in scenario.items()})
    return tally.report(targets)
