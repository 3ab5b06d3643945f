"""Exact and near-duplicate detection (MinHash LSH) returning clusters and the rows to drop."""

from __future__ import annotations

import hashlib
import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Sequence
from typing import Literal

from datasketch import MinHash, MinHashLSH
from pydantic import BaseModel, ConfigDict, Field

_WORD = re.compile(r"\w+")


class NearDuplicateConfig(BaseModel):
    """Settings of near-duplicate detection.

    Attributes:
        threshold: Jaccard similarity of shingle sets at or above which two texts are duplicates. With
            the default character 5-grams, replacing one word of a 15-word text leaves a similarity
            of about 0.7–0.9 while unrelated texts score below 0.1, hence 0.7.
        shingle_size: Length of each shingle, in ``unit``s.
        unit: ``char`` shingles (robust for the short texts of training examples, where one edited
            word would break most word shingles) or ``word`` shingles (cheaper on long documents).
        num_perm: MinHash permutations; more is more precise and slower.
        seed: MinHash seed; fixed so results are reproducible.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    threshold: float = Field(default=0.7, gt=0, le=1)
    shingle_size: int = Field(default=5, ge=1)
    unit: Literal["char", "word"] = "char"
    num_perm: int = Field(default=128, ge=16)
    seed: int = 1


class DuplicateCluster(BaseModel):
    """A group of duplicate rows and the one kept."""

    members: list[int]
    keep: int
    drop: list[int]


class DedupResult(BaseModel):
    """Duplicate clusters (only groups of two or more) and every row to drop."""

    clusters: list[DuplicateCluster]
    drop: list[int]


class DedupReport(BaseModel):
    """Exact then near-duplicate results; ``drop`` is their union."""

    exact: DedupResult
    near: DedupResult
    drop: list[int]


def normalize_text(text: str) -> str:
    """Return the text NFKC-normalised, case-folded, with whitespace collapsed (the dedup key)."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def text_hash(text: str) -> str:
    """Return the sha256 of :func:`normalize_text` (store it with a unique index to refuse exact dups)."""
    return hashlib.sha256(normalize_text(text).encode()).hexdigest()


def exact_duplicates(texts: Sequence[str], scores: Sequence[float | None] | None = None) -> DedupResult:
    """Group rows whose normalised texts are identical.

    Args:
        texts: One text per row.
        scores: Optional score per row; the best-scored row of a cluster is kept, ties go to the earliest.
    """
    _check_lengths(texts, scores)
    groups: dict[str, list[int]] = defaultdict(list)
    for index, text in enumerate(texts):
        groups[text_hash(text)].append(index)
    return _result(list(groups.values()), scores)


def near_duplicates(
    texts: Sequence[str],
    scores: Sequence[float | None] | None = None,
    config: NearDuplicateConfig | None = None,
) -> DedupResult:
    """Group rows whose shingle sets have Jaccard similarity ≥ ``threshold``.

    MinHash LSH proposes candidate pairs; each pair is confirmed on the exact shingle sets, so the
    threshold means what it says. Similarity is transitive within a cluster (A~B and B~C group A, B, C).

    Args:
        texts: One text per row.
        scores: Optional score per row; the best-scored row of a cluster is kept, ties go to the earliest.
        config: Threshold, shingle size and MinHash settings.
    """
    _check_lengths(texts, scores)
    settings = config or NearDuplicateConfig()
    shingle_sets = [shingles(text, settings) for text in texts]
    parent = list(range(len(texts)))
    for left, right in _candidate_pairs(shingle_sets, settings):
        if jaccard(shingle_sets[left], shingle_sets[right]) >= settings.threshold:
            parent[_root(parent, left)] = _root(parent, right)
    groups: dict[int, list[int]] = defaultdict(list)
    for index in range(len(texts)):
        groups[_root(parent, index)].append(index)
    return _result(list(groups.values()), scores)


def deduplicate(
    texts: Sequence[str],
    scores: Sequence[float | None] | None = None,
    config: NearDuplicateConfig | None = None,
) -> DedupReport:
    """Run exact then near-duplicate detection; the near pass only sees rows the exact pass kept."""
    exact = exact_duplicates(texts, scores)
    dropped = set(exact.drop)
    survivors = [i for i in range(len(texts)) if i not in dropped]
    near_local = near_duplicates(
        [texts[i] for i in survivors], [scores[i] for i in survivors] if scores is not None else None, config
    )
    near = _reindex(near_local, survivors)
    return DedupReport(exact=exact, near=near, drop=sorted(dropped | set(near.drop)))


def shingles(text: str, config: NearDuplicateConfig | None = None) -> set[str]:
    """Return the shingle set of a text (a text shorter than one shingle is a single shingle)."""
    settings = config or NearDuplicateConfig()
    normal = normalize_text(text)
    if not normal:
        return set()
    size = settings.shingle_size
    if settings.unit == "word":
        words = _WORD.findall(normal)
        return {" ".join(words[i : i + size]) for i in range(max(1, len(words) - size + 1))}
    return {normal[i : i + size] for i in range(max(1, len(normal) - size + 1))}


def jaccard(left: set[str], right: set[str]) -> float:
    """Return the Jaccard similarity of two sets (0 when both are empty)."""
    union = len(left | right)
    return len(left & right) / union if union else 0.0


def _candidate_pairs(shingle_sets: list[set[str]], settings: NearDuplicateConfig) -> set[tuple[int, int]]:
    lsh = MinHashLSH(threshold=_lsh_threshold(settings.threshold), num_perm=settings.num_perm)
    signatures: dict[int, MinHash] = {}
    for index, items in enumerate(shingle_sets):
        if not items:
            continue
        signature = MinHash(num_perm=settings.num_perm, seed=settings.seed)
        signature.update_batch([item.encode() for item in sorted(items)])
        signatures[index] = signature
        lsh.insert(index, signature)
    pairs = set()
    for index, signature in signatures.items():
        for other in lsh.query(signature):
            if other != index:
                pairs.add((min(index, other), max(index, other)))
    return pairs


def _lsh_threshold(threshold: float) -> float:
    # Banding is tuned for candidates near the threshold; a slightly lower one loses fewer true pairs,
    # and the exact Jaccard check removes the extra candidates.
    return max(0.05, math.floor((threshold - 0.1) * 100) / 100)


def _root(parent: list[int], index: int) -> int:
    while parent[index] != index:
        parent[index] = parent[parent[index]]
        index = parent[index]
    return index


def _result(groups: list[list[int]], scores: Sequence[float | None] | None) -> DedupResult:
    clusters = []
    for members in groups:
        if len(members) < 2:
            continue
        ordered = sorted(members)
        keep = max(ordered, key=lambda i: (_score(scores, i), -i))
        clusters.append(DuplicateCluster(members=ordered, keep=keep, drop=[i for i in ordered if i != keep]))
    clusters.sort(key=lambda cluster: cluster.members[0])
    return DedupResult(clusters=clusters, drop=sorted(i for c in clusters for i in c.drop))


def _score(scores: Sequence[float | None] | None, index: int) -> float:
    value = scores[index] if scores is not None else None
    return -math.inf if value is None else float(value)


def _check_lengths(texts: Sequence[str], scores: Sequence[float | None] | None) -> None:
    if scores is not None and len(scores) != len(texts):
        raise ValueError(f"got {len(scores)} scores for {len(texts)} texts")


def _reindex(result: DedupResult, positions: list[int]) -> DedupResult:
    clusters = [
        DuplicateCluster(
            members=[positions[i] for i in cluster.members],
            keep=positions[cluster.keep],
            drop=[positions[i] for i in cluster.drop],
        )
        for cluster in result.clusters
    ]
    return DedupResult(clusters=clusters, drop=sorted(positions[i] for i in result.drop))
