"""Test helpers shipped with the library: a fake provider server and its behaviour scripts."""

from distillation.testing.fake_batches import BatchPlan
from distillation.testing.fake_finetune import FinetunePlan
from distillation.testing.fake_server import FakeProviderServer
from distillation.testing.scripts import (
    Behavior,
    RecordedRequest,
    Script,
    ServerLimits,
    chain,
    content_filter,
    every,
    fail_first,
    hang,
    jittered,
    length,
    ok,
    randomly,
    rate_limited,
    sequence,
    server_error,
    when,
)

__all__ = [
    "BatchPlan",
    "Behavior",
    "FakeProviderServer",
    "FinetunePlan",
    "RecordedRequest",
    "Script",
    "ServerLimits",
    "chain",
    "content_filter",
    "every",
    "fail_first",
    "hang",
    "jittered",
    "length",
    "ok",
    "randomly",
    "rate_limited",
    "sequence",
    "server_error",
    "when",
]
