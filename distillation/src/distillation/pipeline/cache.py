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

from distillation.providers import ChatResult, OutputError


@dataclass(frozen=True, slots=True)
class Answer:
    """A model's final answer to one request (or its final failure), as kept in the cache.

    ``batch``: the answer came back in a provider batch, so it was paid at the batch rate.
    """

    model_id: str
    fingerprint: str
    text: str
    data: Any = None
    input_tokens: int = 0
    output_tokens: int = 0
    attempts: int = 1
    repaired: bool = False
    error: str | None = None
    batch: bool = False
    tool_calls: list[dict[str, Any]] | None = None  # the answer's tool calls, OpenAI shape

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
            tool_calls=list(result.tool_calls) or None,
            batch=any(attempt.batch_id is not None for attempt in result.attempts),
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
            batch=any(attempt.batch_id is not None for attempt in error.attempts),
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

    The index is a dict from a 64-bit hash of each fingerprint to the offset of its line (about
    100 bytes an answer): a lookup is one dict probe, and a miss never touches the file. A hit is
    confirmed against the fingerprint stored in the line; the rare fingerprint whose hash is already
    taken by another is kept in a second dict under its full text.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._offsets: dict[int, int] = {}
        self._collided: dict[str, int] = {}  # fingerprints whose hash belongs to another one
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
                if isinstance(fingerprint, str):
                    self._add(fingerprint, _hash(fingerprint), offset)
                offset += len(line)
        if offset and not line.endswith(b"\n"):  # end a cut line, or the next answer would join it
            self._file.write(b"\n")
            self._file.flush()

    def _add(self, fingerprint: str, key: int, offset: int) -> None:
        """Index a line unless its fingerprint is already there (the first copy wins)."""
        known = self._offsets.get(key)
        if known is None:
            self._offsets[key] = offset
        elif fingerprint not in self._collided and self._read(known).get("fingerprint") != fingerprint:
            self._collided[fingerprint] = offset

    def _read(self, offset: int) -> dict[str, Any]:
        self._file.seek(offset)
        return cast(dict[str, Any], json.loads(self._file.readline()))

    def _find(self, fingerprint: str, key: int) -> dict[str, Any] | None:
        offset = self._offsets.get(key)
        if offset is None:
            return None
        stored = self._read(offset)
        if stored.get("fingerprint") == fingerprint:
            return stored
        offset = self._collided.get(fingerprint)
        return None if offset is None else self._read(offset)

    async def get(self, fingerprint: str) -> Answer | None:
        """The stored answer, if any."""
        stored = self._find(fingerprint, _hash(fingerprint))
        return None if stored is None else Answer(**stored)

    async def put(self, answer: Answer) -> None:
        """Append an answer and flush it, so a crash right after keeps it."""
        key = _hash(answer.fingerprint)
        async with self._lock:
            # A new fingerprint (the usual case after a `get` miss) costs one dict probe here.
            if key in self._offsets and self._find(answer.fingerprint, key) is not None:
                return
            line = json.dumps(answer.to_json(), ensure_ascii=False, sort_keys=True).encode() + b"\n"
            offset = self._file.seek(0, 2)
            self._file.write(line)
            self._file.flush()
            self._add(answer.fingerprint, key, offset)

    def close(self) -> None:
        """Close the file."""
        self._file.close()

    def __len__(self) -> int:
        return len(self._offsets) + len(self._collided)


def _hash(fingerprint: str) -> int:
    return int.from_bytes(hashlib.blake2b(fingerprint.encode(), digest_size=8).digest(), "big")
