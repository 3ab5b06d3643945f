"""Every table, imported here so Alembic's autogenerate sees them all."""

from app.models.base import Base
from app.models.dataset import Dataset, DatasetStatus, DatasetVersion, Example, ExampleStatus
from app.models.system import TaskRecord, TaskStatus, WorkerHeartbeat
from app.models.user import Role, User, UserSession

__all__ = [
    "Base",
    "Dataset",
    "DatasetStatus",
    "DatasetVersion",
    "Example",
    "ExampleStatus",
    "Role",
    "TaskRecord",
    "TaskStatus",
    "User",
    "UserSession",
    "WorkerHeartbeat",
]
