"""Answers already paid for, keyed by request fingerprint: a resumed run never pays twice.

A failed answer (truncated, filtered, invalid after re-asks) is stored too, so a resumed run reaches
the same rejection without sending the request again. The backend supplies a database-backed cache;
the CLI uses an append-only JSONL file next to the output.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Protocol

from distillation.providers import ChatResult, OutputError


@dataclass(frozen=True, slots=True)
class Answer:
    """A model's final answer to one request (or its final failure), as kept in the cache."""

    model_id: str
    fingerprint: str
    text: str
    data: Any = None
    input_tokens: int = 0
    output_tokens: int = 0
    attempts: int = 1
    repaired: bool = False
    error: str | None = None

    @classmethod
    def from_result(cls, result: ChatResult) -> Answer:
        """The answer of a successful call."""
        return cls(
            model_id=result.model_id,
            fingerprint=result.fingerprint,
            text=result.text,
            data=result.data,
            input_tokens=result.usage.input_tokens,
            output_tokens=result.usage.output_tokens,
            attempts=len(result.attempts),
            repaired=result.repaired,
        )

    @classmethod
    def from_output_error(cls, model_id: str, fingerprint: str, error: OutputError) -> Answer:
        """The answer of a call whose output was unusable (paid for, so kept)."""
        usage = [a.usage for a in error.attempts if a.usage is not None]
        return cls(
            model_id=model_id,
            fingerprint=fingerprint,
            text=error.raw_text or "",
            input_tokens=sum(u.input_tokens for u in usage),
            output_tokens=sum(u.output_tokens for u in usage),
            attempts=len(error.attempts),
            error=str(error),
        )

    def to_json(self) -> dict[str, Any]:
        """A JSON-safe dict."""
        return asdict(self)


class ResponseCache(Protocol):
    """Storage of answers by fingerprint."""

    async def get(self, fingerprint: str) -> Answer | None:
        """The stored answer, if any."""
        ...

    async def put(self, answer: Answer) -> None:
        """Store an answer (idempotent)."""
        ...


class MemoryCache:
    """Answers held in memory (tests, one-off runs)."""

    def __init__(self) -> None:
        self._answers: dict[str, Answer] = {}

    async def get(self, fingerprint: str) -> Answer | None:
        """The stored answer, if any."""
        return self._answers.get(fingerprint)

    async def put(self, answer: Answer) -> None:
        """Store an answer."""
        self._answers[answer.fingerprint] = answer

    def __len__(self) -> int:
        return len(self._answers)


class JsonlCache:
    """An append-only JSONL file; only an index of byte offsets stays in memory."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._offsets: dict[str, int] = {}
        self._lock = asyncio.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            self._index()
        self._file = path.open("ab")

    def _index(self) -> None:
        offset = 0
        with self.path.open("rb") as handle:
            for line in handle:
                try:
                    self._offsets[json.loads(line)["fingerprint"]] = offset
                except (ValueError, KeyError):  # a line cut short by a crash: ignore it
                    pass
                offset += len(line)

    async def get(self, fingerprint: str) -> Answer | None:
        """The stored answer, if any."""
        offset = self._offsets.get(fingerprint)
        if offset is None:
            return None
        with self.path.open("rb") as handle:
            handle.seek(offset)
            return Answer(**json.loads(handle.readline()))

    async def put(self, answer: Answer) -> None:
        """Append an answer and flush it, so a crash right after keeps it."""
        async with self._lock:
            if answer.fingerprint in self._offsets:
                return
            line = json.dumps(answer.to_json(), ensure_ascii=False, sort_keys=True).encode() + b"\n"
            self._file.seek(0, 2)
            self._offsets[answer.fingerprint] = self._file.tell()
            self._file.write(line)
            self._file.flush()

    def close(self) -> None:
        """Close the file."""
        self._file.close()

    def __len__(self) -> int:
        return len(self._offsets)
