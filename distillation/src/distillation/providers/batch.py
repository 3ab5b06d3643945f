"""Provider batch APIs: many requests sent as one job, answered later at a lower price.

An adapter whose provider has one exposes it as ``batch_api`` (a :class:`BatchAPI`). A batch is
submitted once, polled until it ends, and read back as one result per request, keyed by the
``custom_id`` given at submission (the request's fingerprint). A request the batch failed or did
not reach before it expired comes back as a :class:`ProviderError`, to be sent again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from distillation.providers.errors import ProviderError
from distillation.providers.types import ChatRequest, Completion, Outcome


class BatchExpiredError(ProviderError):
    """The batch ended (expired or was cancelled) before it answered the request; nothing was billed."""

    retryable = True
    outcome = Outcome.TIMEOUT


@dataclass(frozen=True, slots=True)
class BatchStatus:
    """Where a batch stands.

    Attributes:
        batch_id: The provider's id of the batch.
        state: The provider's own word ("in_progress", "completed", "expired", ...).
        ended: Whether the batch will change no more (its results can be read).
        total: Requests in the batch.
        answered: Requests answered so far.
        failed: Requests that failed so far.
    """

    batch_id: str
    state: str
    ended: bool
    total: int
    answered: int
    failed: int


@dataclass(frozen=True, slots=True)
class BatchedCompletion:
    """A completion that came back in a batch (priced at the batch rate)."""

    batch_id: str
    completion: Completion


BatchResults = Mapping[str, Completion | ProviderError]


@runtime_checkable
class BatchAPI(Protocol):
    """One provider's batch API, through its official SDK."""

    async def submit(self, requests: Sequence[tuple[str, ChatRequest]]) -> str:
        """Sends ``(custom_id, request)`` pairs as one batch; returns its id.

        Raises:
            ProviderError: The batch could not be created (nothing was submitted).
        """
        ...

    async def status(self, batch_id: str) -> BatchStatus:
        """The batch's state and request counts."""
        ...

    async def results(self, batch_id: str, requests: Mapping[str, ChatRequest]) -> BatchResults:
        """The result of each of ``requests`` (by custom id, as submitted) in an ended batch."""
        ...


# The providers whose adapters here have a batch API (Gemini's batch mode for Google);
# OpenAI-compatible servers and local models have none, and their requests are sent online.
BATCH_PROVIDERS = frozenset({"openai", "anthropic", "google"})


def offers_batches(model_id: str) -> bool:
    """Whether requests to ``model_id`` (``provider:model``) can go through a batch API here.

    Example:
        >>> offers_batches("openai:gpt-4o-mini"), offers_batches("ollama:llama3")
        (True, False)
    """
    return model_id.partition(":")[0] in BATCH_PROVIDERS
