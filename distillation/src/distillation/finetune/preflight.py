"""The pre-flight check: every row through the chat template before a single step is trained.

It shows a few rows as the model will see them, with the tokens the loss is computed on marked, and
the token-length histogram; it refuses rows whose labels are all masked (nothing to learn) and rows
longer than ``max_seq_length`` (truncating them would cut the very answer being learned).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from distillation.finetune.data import DatasetError, Tokenized, TrainingRow, tokenize

HISTOGRAM_BINS = 8


@dataclass(frozen=True)
class RowIssue:
    """A row the check refuses: where it is and how many tokens it has (trained ones apart)."""

    row_id: str
    line: int
    tokens: int
    trained_tokens: int

    def where(self) -> str:
        """``line N`` when the row came from a file, else its id."""
        return f"line {self.line}" if self.line else f"row {self.row_id}"


@dataclass(frozen=True)
class MaskedSample:
    """One row rendered through the template; ``spans`` are the character ranges trained on."""

    row_id: str
    text: str
    spans: list[tuple[int, int]]
    tokens: int
    trained_tokens: int

    def segments(self) -> list[tuple[str, bool]]:
        """The text cut into pieces, each with True when the loss covers it."""
        pieces, position = [], 0
        for start, end in self.spans:
            if start > position:
                pieces.append((self.text[position:start], False))
            pieces.append((self.text[start:end], True))
            position = end
        if position < len(self.text):
            pieces.append((self.text[position:], False))
        return pieces

    def marked(self, left: str = "«", right: str = "»") -> str:
        """The text with the trained pieces between ``left`` and ``right``."""
        return "".join(f"{left}{text}{right}" if trained else text for text, trained in self.segments())


@dataclass(frozen=True)
class HistogramBin:
    """Rows whose token length is in ``[low, high]``."""

    low: int
    high: int
    count: int


@dataclass
class PreflightReport:
    """What the check found; ``problems`` empty means training may start.

    Attributes:
        rows: Rows checked.
        max_seq_length: The length limit checked against.
        lengths: Token length of every row, in row order.
        histogram: Token lengths in bins.
        samples: The first few rows rendered, with the loss mask.
        fully_masked: Rows with no token to learn from.
        too_long: Rows over ``max_seq_length``.
        dropped: Rows left out (over-long rows when dropping them was asked for).
        tokenized: Row id → tokens and labels of every usable row, for the trainer.
    """

    rows: int
    max_seq_length: int
    lengths: list[int]
    histogram: list[HistogramBin]
    samples: list[MaskedSample]
    fully_masked: list[RowIssue]
    too_long: list[RowIssue]
    dropped: list[RowIssue] = field(default_factory=list)
    tokenized: dict[str, Tokenized] = field(default_factory=dict, repr=False)

    @property
    def trained_tokens(self) -> int:
        """Tokens in the loss over every usable row."""
        return sum(item.trained_tokens for item in self.tokenized.values())

    @property
    def problems(self) -> list[str]:
        """Why training must not start, one line per kind of problem (empty when it may)."""
        found = []
        if self.fully_masked:
            found.append(
                f"{len(self.fully_masked)} row(s) have every label masked (no assistant tokens to learn "
                f"from): {_where(self.fully_masked)}"
            )
        if self.too_long:
            longest = max(issue.tokens for issue in self.too_long)
            found.append(
                f"{len(self.too_long)} row(s) are longer than max_seq_length {self.max_seq_length} "
                f"(longest {longest} tokens): {_where(self.too_long)}; raise max_seq_length or drop "
                "long rows"
            )
        return found

    def raise_for_problems(self) -> None:
        """Stop here when the data must not be trained on.

        Raises:
            DatasetError: There are problems; the message lists them with the rows.
        """
        if self.problems:
            raise DatasetError("pre-flight check failed:\n" + "\n".join(f"- {p}" for p in self.problems))


def preflight(
    tokenizer: Any,
    rows: Sequence[TrainingRow],
    max_seq_length: int,
    *,
    drop_long_rows: bool = False,
    samples: int = 3,
) -> PreflightReport:
    """Tokenize every row with its loss mask and check it (see the module docstring).

    Args:
        tokenizer: The base model's tokenizer, with a chat template.
        rows: The rows to train on.
        max_seq_length: Longest row allowed, in tokens.
        drop_long_rows: Leave over-long rows out instead of reporting them as a problem.
        samples: How many rows to keep rendered for display.
    """
    tokenized: dict[str, Tokenized] = {}
    masked, long_rows, lengths = [], [], []
    for row in rows:
        item = tokenize(tokenizer, row.messages)
        issue = RowIssue(row.id, row.line, len(item.input_ids), item.trained_tokens)
        lengths.append(issue.tokens)
        if issue.trained_tokens == 0:
            masked.append(issue)
        elif issue.tokens > max_seq_length:
            long_rows.append(issue)
        else:
            tokenized[row.id] = item
    shown = [_sample(row.id, tokenized[row.id]) for row in rows if row.id in tokenized][:samples]
    report = PreflightReport(
        rows=len(rows),
        max_seq_length=max_seq_length,
        lengths=lengths,
        histogram=histogram(lengths),
        samples=shown,
        fully_masked=masked,
        too_long=[] if drop_long_rows else long_rows,
        dropped=long_rows if drop_long_rows else [],
        tokenized=tokenized,
    )
    if drop_long_rows and not tokenized and not masked:
        raise DatasetError(f"every row is longer than max_seq_length {max_seq_length}")
    return report


def histogram(lengths: Sequence[int], bins: int = HISTOGRAM_BINS) -> list[HistogramBin]:
    """Equal-width bins from the shortest to the longest length (fewer when the range is small)."""
    if not lengths:
        return []
    low, high = min(lengths), max(lengths)
    width = max(1, math.ceil((high - low + 1) / bins))
    edges = list(range(low, high + 1, width))
    return [
        HistogramBin(start, start + width - 1, sum(1 for n in lengths if start <= n < start + width))
        for start in edges
    ]


def _sample(row_id: str, item: Tokenized) -> MaskedSample:
    return MaskedSample(row_id, item.text, item.spans, len(item.input_ids), item.trained_tokens)


def _where(issues: Sequence[RowIssue], limit: int = 8) -> str:
    listed = ", ".join(f"{issue.where()} ({issue.tokens} tokens)" for issue in issues[:limit])
    return listed + (f" and {len(issues) - limit} more" if len(issues) > limit else "")
