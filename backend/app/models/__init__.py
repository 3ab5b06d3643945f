"""Every table, imported here so Alembic's autogenerate sees them all."""

from app.models.api_token import ApiToken, TokenScope
from app.models.base import Base
from app.models.dataset import Dataset, DatasetStatus, DatasetVersion, Example, ExampleStatus
from app.models.domain import UserDomain
from app.models.finetune import FinetuneRun, RunStatus
from app.models.job import (
    SENT_STATUSES,
    CachedResponse,
    CallStatus,
    ExampleBand,
    GlobalBudget,
    ItemStatus,
    Job,
    JobBatch,
    JobItem,
    JobKind,
    JobStage,
    JobStatus,
    LlmCall,
)
from app.models.prompt_set import Prompt, PromptSet, PromptSetVersion
from app.models.provider import EVERY_MODEL, ProviderCredential, ProviderLimit
from app.models.provider_finetune import ProviderFinetuneRun
from app.models.quota import TaskWindow
from app.models.review import ReviewAssignment, ReviewDecision, ReviewStatus
from app.models.system import TaskRecord, TaskStatus, WorkerHeartbeat
from app.models.task_spec import TaskSpecVersion
from app.models.user import LoginThrottle, Role, User, UserSession

__all__ = [
    "EVERY_MODEL",
    "SENT_STATUSES",
    "ApiToken",
    "Base",
    "CachedResponse",
    "CallStatus",
    "Dataset",
    "DatasetStatus",
    "DatasetVersion",
    "Example",
    "ExampleBand",
    "ExampleStatus",
    "FinetuneRun",
    "GlobalBudget",
    "ItemStatus",
    "Job",
    "JobBatch",
    "JobItem",
    "JobKind",
    "JobStage",
    "JobStatus",
    "LlmCall",
    "LoginThrottle",
    "Prompt",
    "PromptSet",
    "PromptSetVersion",
    "ProviderCredential",
    "ProviderFinetuneRun",
    "ProviderLimit",
    "ReviewAssignment",
    "ReviewDecision",
    "ReviewStatus",
    "Role",
    "RunStatus",
    "TaskRecord",
    "TaskSpecVersion",
    "TaskStatus",
    "TaskWindow",
    "TokenScope",
    "User",
    "UserDomain",
    "UserSession",
    "WorkerHeartbeat",
]
