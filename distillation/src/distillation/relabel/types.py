"""What a relabel run produces: answered rows with provenance, rejections and the report."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal, Protocol

from pydantic import BaseModel, Field

from distillation.pipeline.types import Provenance, Rejection, Stage
from distillation.promptsets import PromptRecord
from distillation.relabel.cascade import CascadeReport, CascadeTrace

# The stage of the teacher's answer to a user's prompt (item keys, provenance and call records).
RELABEL_STAGE = Stage.relabel
# The schema name of a structured (task spec) answer, as the provider sees it.
ANSWER_SCHEMA_NAME = "answer"

RelabelStatus = Literal["completed", "incomplete", "budget_exhausted", "cancelled"]


class RelabelRow(BaseModel):
    """A prompt of the set and the teacher's answer.

    Attributes:
        key: ``relabel-`` and the prompt's fingerprint: the same prompt has the same key (and request).
        index: The prompt's position in the set.
        messages: The prompt's messages, as given, then the teacher's answer.
        prompt: The source prompt (line, fingerprint, variables, reference).
        score: The judge's aggregate score, if judged.
        provenance: Model, calls with tokens and cost, judge scores and decision.
        cascade: In a cascade, what the prompt went through (the student's answer and score, why it
            escalated); written under ``provenance.cascade``.
        record: A task spec's structured answer (the object its output schema describes), written
            as ``metadata.record``; None for free-text answers.
    """

    key: str
    index: int
    messages: list[dict[str, Any]]
    prompt: PromptRecord
    score: float | None = None
    provenance: Provenance
    cascade: CascadeTrace | None = None
    record: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        """The row as written to JSONL: the chat messages first, everything else under ``metadata``."""
        provenance = self.provenance.model_dump(mode="json")
        cost = self.provenance.cost_usd
        provenance.update(
            input_tokens=self.provenance.input_tokens,
            output_tokens=self.provenance.output_tokens,
            cost_usd=None if cost is None else str(cost),
        )
        if self.cascade is not None:
            provenance["cascade"] = self.cascade.provenance()
        source = {
            "line": self.prompt.line,
            "fingerprint": self.prompt.fingerprint,
            "variables": self.prompt.variables,
            "reference": self.prompt.reference,
        }
        row: dict[str, Any] = {"messages": self.messages}
        if self.prompt.tools:
            row["tools"] = self.prompt.tools
        row["metadata"] = {"id": self.key, "source": source, "score": self.score, "provenance": provenance}
        if self.record is not None:
            row["metadata"]["record"] = self.record
        return row


class RelabelReport(BaseModel):
    """The outcome of a relabel run.

    Attributes:
        prompts: Prompts given.
        answered: Rows accepted.
        rejected: Prompts whose answer was rejected (reason counts in ``rejection_reasons``).
        requests: Attempts sent (retries included); answers from the cache are not requests.
        cached_answers: Answers taken from the cache (a resumed run pays nothing for them).
        cost_usd: What this run's new requests cost.
        judged: Answers the judge scored (the student's in a cascade too).
        cascade: The cascade's share escalated, cost against teacher-only and quality per path.
    """

    status: RelabelStatus
    prompts: int
    answered: int
    rejected: int
    requests: int
    cached_answers: int
    cost_usd: Decimal
    judged: int = 0
    unknown_prices: list[str] = Field(default_factory=list)
    rejection_reasons: dict[str, int] = Field(default_factory=dict)
    message: str = ""
    cascade: CascadeReport | None = None


class RelabelSink(Protocol):
    """Where answered rows and rejections go as they are decided."""

    async def write(self, row: RelabelRow) -> None:
        """An accepted row."""
        ...

    async def reject(self, rejection: Rejection) -> None:
        """A rejected prompt."""
        ...


class MemoryRelabelSink:
    """Keeps rows in memory (tests, the Python API)."""

    def __init__(self) -> None:
        self.rows: list[RelabelRow] = []
        self.rejections: list[Rejection] = []

    async def write(self, row: RelabelRow) -> None:
        """Keep an accepted row."""
        self.rows.append(row)

    async def reject(self, rejection: Rejection) -> None:
        """Keep a rejection."""
        self.rejections.append(rejection)


class JsonlRelabelSink:
    """Appends rows and rejections to two JSONL files, flushed as they arrive."""

    def __init__(self, path: Path, rejects_path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._rows = path.open("ab")
        self._rejects = rejects_path.open("ab")

    async def write(self, row: RelabelRow) -> None:
        """Append an accepted row."""
        self._rows.write(_line(row.to_json()))
        self._rows.flush()

    async def reject(self, rejection: Rejection) -> None:
        """Append a rejection."""
        self._rejects.write(_line(rejection.model_dump(mode="json")))
        self._rejects.flush()

    def close(self) -> None:
        """Close both files."""
        self._rows.close()
        self._rejects.close()


def _line(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str).encode() + b"\n"
