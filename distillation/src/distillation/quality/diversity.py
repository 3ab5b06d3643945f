"""Diversity of a set of texts: distinct n-gram ratios and near-duplicate cluster count."""

from __future__ import annotations

import re
from collections.abc import Sequence

from pydantic import BaseModel

from distillation.quality.dedup import NearDuplicateConfig, near_duplicates, normalize_text

_WORD = re.compile(r"\w+")


class DiversityReport(BaseModel):
    """How varied a dataset is.

    Attributes:
        texts: Number of texts.
        distinct_n: n → distinct n-grams / all n-grams over the corpus (1.0 means no n-gram repeats).
        clusters: Groups after near-duplicate clustering, singletons included (``texts`` when all differ).
        duplicate_clusters: Groups of two or more near-duplicates.
        unique_ratio: ``clusters / texts``.
        mean_words: Average length in words.
    """

    texts: int
    distinct_n: dict[int, float]
    clusters: int
    duplicate_clusters: int
    unique_ratio: float
    mean_words: float


def words(text: str) -> list[str]:
    """Return the normalised word tokens of a text."""
    return _WORD.findall(normalize_text(text))


def distinct_n(texts: Sequence[str], n: int) -> float:
    """Return distinct n-grams / total n-grams across all texts (0.0 when there are none)."""
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    seen: set[tuple[str, ...]] = set()
    total = 0
    for text in texts:
        tokens = words(text)
        grams = [tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]
        total += len(grams)
        seen.update(grams)
    return len(seen) / total if total else 0.0


def diversity_report(
    texts: Sequence[str],
    *,
    ns: Sequence[int] = (1, 2, 3),
    near: NearDuplicateConfig | None = None,
) -> DiversityReport:
    """Measure the diversity of ``texts``.

    Args:
        texts: One text per example (e.g. the whole conversation).
        ns: The n of each distinct-n ratio.
        near: Near-duplicate settings used for the cluster count.
    """
    result = near_duplicates(texts, config=near)
    merged = sum(len(cluster.members) - 1 for cluster in result.clusters)
    clusters = len(texts) - merged
    return DiversityReport(
        texts=len(texts),
        distinct_n={n: distinct_n(texts, n) for n in ns},
        clusters=clusters,
        duplicate_clusters=len(result.clusters),
        unique_ratio=clusters / len(texts) if texts else 0.0,
        mean_words=sum(len(words(t)) for t in texts) / len(texts) if texts else 0.0,
    )
