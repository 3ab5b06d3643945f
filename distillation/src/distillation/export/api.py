"""``export()``: records in, files out, with splits, per-format validation and a report of what was lost."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from distillation.export.card import DatasetCardInfo
from distillation.export.hf import HubTarget, push_to_hub
from distillation.export.prepare import ExportReport, prepare_record
from distillation.export.registry import ExportOptions, get_format
from distillation.export.splits import assign_split, validate_splits
from distillation.formats.openai import MIN_EXAMPLES

__all__ = ["ExportResult", "export"]


@dataclass(frozen=True, slots=True)
class ExportResult:
    """What an export wrote.

    Attributes:
        format: The format name.
        style: The record style written.
        paths: Split name -> file (or directory for ``hf``); the key is ``"all"`` without splits
            (``"train"`` for ``hf``, the Hub's convention).
        counts: Records written per split.
        skipped: Records not written because they could not be converted or validated.
        warnings: Skipped records with reasons, lossy conversions grouped by kind, format warnings.
        hub_url: The Hub URL when the export was pushed.
    """

    format: str
    style: str
    paths: dict[str, Path]
    counts: dict[str, int]
    skipped: int = 0
    warnings: tuple[str, ...] = ()
    hub_url: str | None = None

    @property
    def total(self) -> int:
        """Records written across all splits."""
        return sum(self.counts.values())


def export(
    records: Iterable[Mapping[str, Any]],
    fmt: str,
    out: str | Path,
    *,
    splits: Mapping[str, float] | None = None,
    style: str | None = None,
    seed: int = 0,
    include_metadata: bool = True,
    spreadsheet_safe: bool = True,
    card: DatasetCardInfo | None = None,
    hub: HubTarget | None = None,
    hub_endpoint: str | None = None,
) -> ExportResult:
    """Write records in a training format, optionally split into train/validation/test.

    Records may be in any view (chat, Alpaca, ShareGPT, prompt/completion); each is converted to the
    requested style. Records are written in input order, so give them in a stable order (e.g. by item
    key) to get byte-identical re-exports. A record that cannot be converted, or breaks the format's
    rules, is skipped and listed in ``warnings``; the export goes on.

    Args:
        records: The records, streamed (memory stays flat).
        fmt: A registered format: ``jsonl``, ``json``, ``csv``, ``parquet``, ``hf``, ``openai``,
            ``alpaca``, ``sharegpt``.
        out: The output file; a directory when ``splits`` is given (files ``<split><ext>``) or for
            ``hf``. The caller owns path safety: build it server-side, never from user input.
        splits: Split name -> ratio (sum 1), e.g. ``DEFAULT_SPLITS``; assignment is a stable hash of
            each record's messages and ``seed``.
        style: ``chat``, ``instruction``, ``sharegpt`` or ``prompt_completion``; the format's default
            when omitted.
        seed: Split seed.
        include_metadata: Keep record metadata where the format allows it (never in ``openai``).
        spreadsheet_safe: CSV only: prefix formula-like cells with ``'``.
        card: Dataset card for ``hf``.
        hub: Push the ``hf`` export to the Hub with this repo and token; nothing is pushed without it.
        hub_endpoint: The Hub's address for ``hub`` (``https://huggingface.co`` by default).

    Returns:
        Paths, counts per split, skipped count and warnings.

    Raises:
        ValueError: Unknown format, unsupported style, bad split ratios, or ``hub`` for a non-``hf`` format.

    Example:
        >>> import tempfile, pathlib
        >>> chat = [{"role": "user", "content": "2+2?"}, {"role": "assistant", "content": "4"}]
        >>> rows = [{"messages": chat}]
        >>> export(rows, "alpaca", pathlib.Path(tempfile.mkdtemp()) / "data.json").counts
        {'all': 1}
    """
    spec = get_format(fmt)
    view = spec.view(style)
    ratios = validate_splits(splits) if splits else None
    if hub is not None and not spec.directory:
        raise ValueError("pushing to the Hub needs the 'hf' format")
    options = ExportOptions(include_metadata and spec.keeps_metadata, spreadsheet_safe, card)
    sink = spec.open_sink(Path(out), list(ratios) if ratios else None, view, options)
    report = ExportReport()
    counts: Counter[str] = Counter(dict.fromkeys(ratios, 0) if ratios else {sink.default_split: 0})
    try:
        for index, record in enumerate(records, start=1):
            prepared = prepare_record(record, index, spec, view, options, report)
            if prepared is None:
                continue
            chat, row = prepared
            split = assign_split(chat, ratios, seed=seed) if ratios else sink.default_split
            sink.write(split, row)
            counts[split] += 1
        paths = sink.close()
    except BaseException:
        sink.abort()
        raise
    if spec.validate is not None:
        for name, count in sorted(counts.items()):
            if count < MIN_EXAMPLES:
                report.warn(f"{name}: {count} example(s); OpenAI fine-tuning needs at least {MIN_EXAMPLES}")
    hub_url = push_to_hub(Path(out), hub, endpoint=hub_endpoint) if hub is not None else None
    return ExportResult(
        spec.name, style or spec.styles[0], paths, dict(counts), report.skipped, report.lines(), hub_url
    )
