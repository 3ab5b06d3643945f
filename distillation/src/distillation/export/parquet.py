"""Parquet export (``pyarrow``, extra ``export``) and the Arrow schemas shared with the HF export.

Each view has a fixed schema, so a file can be written in row groups as records stream in. Metadata,
whose keys vary from record to record, is stored as one JSON text column. Parquet output carries no
timestamps, so the same records give byte-identical files for a given ``pyarrow`` version.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

from distillation.export.writers import RecordWriter, dumps
from distillation.formats.convert import RecordFormat

__all__ = ["ParquetWriter", "arrow_schema", "require_pyarrow"]

ROW_GROUP_ROWS: Final = 1000


def require_pyarrow() -> Any:
    """Import ``pyarrow`` or say how to install it."""
    try:
        import pyarrow
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("Parquet export needs pyarrow: pip install 'distillation[export]'") from exc
    return pyarrow


def arrow_schema(style: RecordFormat, *, include_metadata: bool) -> Any:
    """The Arrow schema of a view.

    Args:
        style: The record view.
        include_metadata: Add a nullable ``metadata`` JSON text column.

    Returns:
        A ``pyarrow.Schema``.
    """
    pa = require_pyarrow()
    string = pa.string()
    # Every field nullable: that is what `datasets` features map to, so it loads without a cast.
    fields: dict[RecordFormat, list[Any]] = {
        RecordFormat.CHAT: [
            pa.field("messages", pa.list_(pa.struct([("role", string), ("content", string)])))
        ],
        RecordFormat.INSTRUCTION: [
            pa.field("instruction", string),
            pa.field("input", string),
            pa.field("output", string),
            pa.field("system", string),
            pa.field("history", pa.list_(pa.list_(string))),
        ],
        RecordFormat.SHAREGPT: [
            pa.field("conversations", pa.list_(pa.struct([("from", string), ("value", string)])))
        ],
        RecordFormat.PROMPT_COMPLETION: [
            pa.field("prompt", string),
            pa.field("completion", string),
        ],
        RecordFormat.FLAT: [
            pa.field("system", string),
            pa.field("user", string),
            pa.field("assistant", string),
        ],
    }
    columns = fields[style] + ([pa.field("metadata", string)] if include_metadata else [])
    return pa.schema(columns)


def arrow_row(record: Mapping[str, Any], schema: Any) -> dict[str, Any]:
    """Shape a record for ``schema``: drop unknown keys, serialize metadata as JSON text."""
    row = {name: record.get(name) for name in schema.names}
    if row.get("metadata") is not None:
        row["metadata"] = dumps(row["metadata"])
    return row


class ParquetWriter(RecordWriter):
    """Parquet with one fixed schema per view, written in row groups of ``row_group_rows``.

    Args:
        path: Output file.
        style: The record view.
        include_metadata: Keep a ``metadata`` JSON text column.
        row_group_rows: Records buffered before a row group is written (the memory bound).
    """

    def __init__(
        self, path: Path, style: RecordFormat, *, include_metadata: bool, row_group_rows: int = ROW_GROUP_ROWS
    ) -> None:
        pa = require_pyarrow()
        import pyarrow.parquet as pq

        self._schema = arrow_schema(style, include_metadata=include_metadata)
        super().__init__(path)
        self._pa = pa
        # Fixed codec and options: defaults can change between pyarrow releases.
        self._writer = pq.ParquetWriter(self._file, self._schema, compression="zstd", compression_level=3)
        self._rows: list[dict[str, Any]] = []
        self._row_group_rows = row_group_rows

    def write(self, record: Mapping[str, Any]) -> None:
        """Buffer one record; a full buffer becomes a row group."""
        self._rows.append(arrow_row(record, self._schema))
        self.count += 1
        if len(self._rows) >= self._row_group_rows:
            self._flush()

    def _flush(self) -> None:
        if self._rows:
            self._writer.write_table(self._pa.Table.from_pylist(self._rows, schema=self._schema))
            self._rows = []

    def _finish(self) -> None:
        self._flush()
        self._writer.close()

    def abort(self) -> None:
        """Drop the unfinished file."""
        self._rows = []
        super().abort()
