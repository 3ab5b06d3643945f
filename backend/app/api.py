"""Every domain router, mounted under ``/api/v1``."""

from fastapi import APIRouter

from app.auth.endpoints import router as auth_router
from app.datasets.endpoints import router as datasets_router
from app.datasets.example_endpoints import router as examples_router
from app.system.endpoints import router as system_router

api_router = APIRouter(prefix="/api/v1")
api_router.include_router(system_router)
api_router.include_router(auth_router)
api_router.include_router(datasets_router)
api_router.include_router(examples_router)
