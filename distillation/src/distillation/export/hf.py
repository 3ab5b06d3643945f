"""Hugging Face ``datasets`` export: ``save_to_disk`` locally, ``push_to_hub`` only when given a token.

``datasets`` (extra ``hf``) is imported only when this export runs. Records stream into one Arrow file
per split, which ``datasets`` then memory-maps, so the export never holds the dataset in memory. The
dataset fingerprint is derived from the content instead of ``datasets``' random or mtime-based one, so
the same records give byte-identical directories. The directory is assembled next to the target and
renamed into place, so a failed export leaves nothing behind. Nothing here touches the network unless
``push_to_hub`` is called.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from distillation.export.card import DatasetCardInfo, render_dataset_card
from distillation.export.parquet import arrow_row, arrow_schema, require_pyarrow
from distillation.export.writers import Sink, dumps
from distillation.formats.convert import RecordFormat

__all__ = ["HfDatasetSink", "HubTarget", "push_to_hub"]

_BATCH_ROWS: Final = 1000
_REPO_ID: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,95}/[A-Za-z0-9][A-Za-z0-9_.-]{0,95}")
DEFAULT_SPLIT: Final = "train"


@dataclass(frozen=True, slots=True)
class HubTarget:
    """Where to push: ``repo_id`` (``"owner/name"``) with a write ``token``; private unless told."""

    repo_id: str
    token: str
    private: bool = True

    def __post_init__(self) -> None:
        if not _REPO_ID.fullmatch(self.repo_id) or ".." in self.repo_id:
            raise ValueError(f"invalid Hub repo id {self.repo_id!r}; expected 'owner/name'")

    def __repr__(self) -> str:  # never print the token
        return f"HubTarget(repo_id={self.repo_id!r}, private={self.private})"


def _require_datasets() -> Any:
    try:
        import datasets
    except ImportError as exc:
        raise ImportError("Hugging Face export needs datasets: pip install 'distillation[hf]'") from exc
    return datasets


class HfDatasetSink(Sink):
    """Writes a ``DatasetDict`` directory (one split ``train`` when no splits are given) plus ``README.md``.

    Args:
        out: Target directory; must not exist or be empty.
        splits: Split names, or ``None`` for a single ``train`` split.
        style: The record view.
        include_metadata: Keep a ``metadata`` JSON text column.
        card: Dataset card content; a minimal card is written when omitted.
    """

    def __init__(
        self,
        out: Path,
        splits: Sequence[str] | None,
        style: RecordFormat,
        *,
        include_metadata: bool,
        card: DatasetCardInfo | None = None,
    ) -> None:
        _require_datasets()
        if out.exists() and (not out.is_dir() or any(out.iterdir())):
            raise FileExistsError(f"{out} exists and is not an empty directory")
        self._pa = require_pyarrow()
        self._out = out
        self._style = style
        info = card or DatasetCardInfo(pretty_name=out.name, style=style.value)
        # save_to_disk writes <split>/data-*.arrow: the card's configs name those files.
        self._card = dataclasses.replace(info, data_dir="", file_extension="arrow")
        self._schema = arrow_schema(style, include_metadata=include_metadata)
        out.parent.mkdir(parents=True, exist_ok=True)
        self._tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
        self._splits: dict[str, _ArrowSplit] = {}
        for name in splits or [DEFAULT_SPLIT]:
            self._splits[name] = _ArrowSplit(self._tmp / f"{name}.arrow", self._schema, self._pa)

    default_split = DEFAULT_SPLIT

    def write(self, split: str, record: Mapping[str, Any]) -> None:
        """Append the record to its split's Arrow file."""
        self._splits[split].write(arrow_row(record, self._schema))

    def close(self) -> dict[str, Path]:
        """Save the ``DatasetDict`` and the card; returns split name -> the split's directory."""
        datasets = _require_datasets()
        from datasets.table import MemoryMappedTable

        try:
            parts = {}
            for name, split in self._splits.items():
                split.close()
                table = MemoryMappedTable.from_file(str(split.path))
                parts[name] = datasets.Dataset(
                    table, split=datasets.NamedSplit(name), fingerprint=split.digest
                )
            counts = {name: split.count for name, split in self._splits.items()}
            # An empty split would get zero shards and could not be loaded back; give it one empty shard.
            shards = {name: 1 for name, count in counts.items() if count == 0}
            staged = self._tmp / "dataset"
            datasets.DatasetDict(parts).save_to_disk(str(staged), num_shards=shards or None)
            (staged / "README.md").write_text(render_dataset_card(self._card, counts), encoding="utf-8")
            # Publish in one rename (it may replace an empty directory), so a failure leaves nothing.
            os.replace(staged, self._out)
        finally:
            shutil.rmtree(self._tmp, ignore_errors=True)
        return {name: self._out / name for name in self._splits}

    def abort(self) -> None:
        """Remove the temporary files; nothing was published."""
        for split in self._splits.values():
            split.abort()
        shutil.rmtree(self._tmp, ignore_errors=True)


class _ArrowSplit:
    """One split streamed into an Arrow IPC file, hashed as it goes for a content fingerprint."""

    def __init__(self, path: Path, schema: Any, pa: Any) -> None:
        self.path = path
        self.count = 0
        self._pa, self._schema = pa, schema
        self._hash = hashlib.sha256()
        self._rows: list[dict[str, Any]] = []
        self._sink = pa.OSFile(str(path), "wb")
        self._writer = pa.ipc.new_stream(self._sink, schema)

    @property
    def digest(self) -> str:
        return self._hash.hexdigest()[:16]

    def write(self, row: dict[str, Any]) -> None:
        self._rows.append(row)
        self._hash.update(dumps(row).encode() + b"\n")
        self.count += 1
        if len(self._rows) >= _BATCH_ROWS:
            self._flush()

    def _flush(self) -> None:
        if self._rows:
            self._writer.write_table(self._pa.Table.from_pylist(self._rows, schema=self._schema))
            self._rows = []

    def close(self) -> None:
        self._flush()
        if self.count == 0:  # datasets cannot read an Arrow stream without a single batch
            self._writer.write_batch(self._pa.RecordBatch.from_pylist([], schema=self._schema))
        self._writer.close()
        self._sink.close()

    def abort(self) -> None:
        self._rows = []
        self._sink.close()


def push_to_hub(path: Path, target: HubTarget, *, endpoint: str | None = None) -> str:
    """Upload a saved export directory (its Arrow files and card) to a Hub dataset repo in one commit.

    The card's ``configs`` name the ``<split>/*.arrow`` files of the directory, which the Hub's
    ``datasets`` loader reads as they are.

    Args:
        path: A directory written by the ``hf`` export.
        target: Repo id, token and visibility.
        endpoint: The Hub's address (``https://huggingface.co`` by default).

    Returns:
        The dataset's URL on the Hub.

    Raises:
        distillation.export.hub.HubPushError: The Hub refused the push or could not be reached.
    """
    from distillation.export.hub import DEFAULT_HUB_ENDPOINT, upload_folder

    upload_folder(path, target, endpoint=endpoint)
    return f"{(endpoint or DEFAULT_HUB_ENDPOINT).rstrip('/')}/datasets/{target.repo_id}"
