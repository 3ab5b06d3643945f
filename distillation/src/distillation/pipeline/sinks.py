"""Row sinks: accepted rows and rejections to JSONL files, flushed as they arrive."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from distillation.pipeline.types import Rejection, Row


def _line(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str).encode() + b"\n"


class JsonlSink:
    """Appends accepted rows to ``path`` and rejections to ``rejects_path``.

    Opening an existing file keeps its rows (a resumed run appends) and reports their keys, so the
    caller can skip what is already written.
    """

    def __init__(self, path: Path, rejects_path: Path | None = None) -> None:
        self.path = path
        self.rejects_path = rejects_path or path.with_name(path.stem + ".rejected.jsonl")
        path.parent.mkdir(parents=True, exist_ok=True)
        self._rows = path.open("ab")
        self._rejects = self.rejects_path.open("ab")
        self.written = 0
        self.rejected = 0

    async def write(self, row: Row) -> None:
        """Append an accepted row."""
        self._rows.write(_line(row.to_json()))
        self._rows.flush()
        self.written += 1

    async def reject(self, rejection: Rejection) -> None:
        """Append a rejection."""
        self._rejects.write(_line(rejection.model_dump(mode="json")))
        self._rejects.flush()
        self.rejected += 1

    def close(self) -> None:
        """Close both files."""
        self._rows.close()
        self._rejects.close()


class MemorySink:
    """Keeps rows in memory (tests, small runs, the Python API)."""

    def __init__(self) -> None:
        self.rows: list[Row] = []
        self.rejections: list[Rejection] = []

    async def write(self, row: Row) -> None:
        """Keep an accepted row."""
        self.rows.append(row)

    async def reject(self, rejection: Rejection) -> None:
        """Keep a rejection."""
        self.rejections.append(rejection)
