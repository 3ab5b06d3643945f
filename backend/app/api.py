"""Every domain router, mounted under ``/api/v1``."""

from fastapi import APIRouter

from app.analytics.endpoints import router as analytics_router
from app.auth.endpoints import router as auth_router
from app.datasets.duplicate_endpoints import router as duplicates_router
from app.datasets.endpoints import router as datasets_router
from app.datasets.example_endpoints import router as examples_router
from app.datatypes.endpoints import router as datatypes_router
from app.domains.endpoints import router as domains_router
from app.finetune.endpoints import router as finetune_router
from app.hub.endpoints import router as hub_router
from app.jobs.endpoints import budget_router
from app.jobs.endpoints import router as jobs_router
from app.playground.endpoints import router as playground_router
from app.promptsets.endpoints import router as promptsets_router
from app.provider_finetune.endpoints import router as provider_finetune_router
from app.providers.endpoints import router as providers_router
from app.reviews.endpoints import calibration_router
from app.reviews.endpoints import router as reviews_router
from app.system.endpoints import router as system_router
from app.taskspecs.endpoints import router as taskspecs_router
from app.tokens.endpoints import router as tokens_router
from app.users.endpoints import router as users_router

api_router = APIRouter(prefix="/api/v1")
api_router.include_router(system_router)
api_router.include_router(auth_router)
api_router.include_router(datasets_router)
api_router.include_router(examples_router)
api_router.include_router(duplicates_router)
api_router.include_router(reviews_router)
api_router.include_router(calibration_router)
api_router.include_router(tokens_router)
api_router.include_router(users_router)
api_router.include_router(providers_router)
api_router.include_router(domains_router)
api_router.include_router(datatypes_router)
api_router.include_router(promptsets_router)
api_router.include_router(taskspecs_router)
api_router.include_router(jobs_router)
api_router.include_router(budget_router)
api_router.include_router(analytics_router)
# Before the fine-tune runs' router, whose /finetune/{run_id} would take /finetune/provider.
api_router.include_router(provider_finetune_router)
api_router.include_router(finetune_router)
api_router.include_router(playground_router)
api_router.include_router(hub_router)
