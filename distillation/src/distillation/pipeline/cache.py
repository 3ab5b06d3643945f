"""Answers already paid for, keyed by request fingerprint: a resumed run never pays twice.

A failed answer (truncated, filtered, invalid after re-asks) is stored too, so a resumed run reaches
the same rejection without sending the request again. The backend supplies a database-backed cache;
the CLI uses an append-only JSONL file next to the output.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Protocol, cast

import numpy as np

from distillation.pipeline.hashindex import HashIndex
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
    """An append-only JSONL file; only an index of byte offsets stays in memory.

    The index holds a 64-bit hash of each fingerprint and the offset of its line (16 bytes an
    answer); a hash match is confirmed against the fingerprint stored in the line.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._offsets = HashIndex(np.uint64, np.int64)
        self._count = 0
        self._lock = asyncio.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file = path.open("ab+")  # appends go to the end wherever the last read left the position
        self._index()

    def _index(self) -> None:
        offset, line = 0, b""
        with self.path.open("rb") as lines:
            for line in lines:
                try:
                    fingerprint = json.loads(line)["fingerprint"]
                except (ValueError, KeyError, TypeError):  # a line cut short by a crash: ignore it
                    fingerprint = None
                if isinstance(fingerprint, str) and self._find(fingerprint) is None:
                    self._offsets.add(_hash(fingerprint), offset)
                    self._count += 1
                offset += len(line)
        if offset and not line.endswith(b"\n"):  # end a cut line, or the next answer would join it
            self._file.write(b"\n")
            self._file.flush()

    def _find(self, fingerprint: str) -> dict[str, Any] | None:
        for offset in self._offsets.find(_hash(fingerprint)):
            self._file.seek(offset)
            stored = json.loads(self._file.readline())
            if stored.get("fingerprint") == fingerprint:
                return cast(dict[str, Any], stored)
        return None

    async def get(self, fingerprint: str) -> Answer | None:
        """The stored answer, if any."""
        stored = self._find(fingerprint)
        return None if stored is None else Answer(**stored)

    async def put(self, answer: Answer) -> None:
        """Append an answer and flush it, so a crash right after keeps it."""
        async with self._lock:
            if self._find(answer.fingerprint) is not None:
                return
            line = json.dumps(answer.to_json(), ensure_ascii=False, sort_keys=True).encode() + b"\n"
            offset = self._file.seek(0, 2)
            self._file.write(line)
            self._file.flush()
            self._offsets.add(_hash(answer.fingerprint), offset)
            self._count += 1

    def close(self) -> None:
        """Close the file."""
        self._file.close()

    def __len__(self) -> int:
        return self._count


def _hash(fingerprint: str) -> int:
    return int.from_bytes(hashlib.blake2b(fingerprint.encode(), digest_size=8).digest(), "big")
