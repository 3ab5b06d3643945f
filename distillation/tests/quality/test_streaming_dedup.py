"""The pipeline's streaming deduplicator: exact and near-duplicates against rows already accepted."""

from __future__ import annotations

import random

import pytest

from distillation.pipeline.dedup import StreamingDeduplicator
from distillation.quality import NearDuplicateConfig, jaccard, shingles

WORDS = "parcel courier refund invoice router firmware password warranty battery screen login".split()


def text(rng: random.Random, words: int = 40) -> str:
    return " ".join(rng.choice(WORDS) + str(rng.randint(0, 99)) for _ in range(words))


def test_exact_and_near_duplicates_are_found_and_distinct_texts_are_not() -> None:
    rng = random.Random(3)
    dedup = StreamingDeduplicator()
    originals = [text(rng) for _ in range(300)]
    for index, original in enumerate(originals):
        assert dedup.duplicate_of(original) is None
        dedup.add(f"row-{index}", original)

    assert dedup.duplicate_of(originals[42]) == "row-42"
    assert dedup.duplicate_of("  " + originals[7].upper() + " ") == "row-7"  # normalised exact match
    words = originals[100].split()
    words[5] = "changed"
    assert dedup.duplicate_of(" ".join(words)) == "row-100"
    assert dedup.duplicate_of(text(random.Random(99))) is None
    assert len(dedup) == 300


def test_the_threshold_is_applied_to_the_estimate_not_just_the_bands() -> None:
    config = NearDuplicateConfig(threshold=0.9)
    dedup = StreamingDeduplicator(config)
    base = text(random.Random(1), 60)
    dedup.add("base", base)
    words = base.split()
    half = " ".join(words[:30] + text(random.Random(2), 30).split())
    assert jaccard(shingles(base, config), shingles(half, config)) < 0.9
    assert dedup.duplicate_of(half) is None


def edited(original: str, rng: random.Random, changes: int) -> str:
    words = original.split()
    for position in rng.sample(range(len(words)), changes):
        words[position] = rng.choice(WORDS) + str(rng.randint(100, 999))
    return " ".join(words)


@pytest.mark.slow
def test_the_compact_index_stays_small_and_keeps_finding_duplicates_after_many_rows() -> None:
    rng = random.Random(5)
    dedup = StreamingDeduplicator()
    originals = [text(rng) for _ in range(5_000)]
    for index, original in enumerate(originals):
        dedup.add(f"row-{index}", original)
    dedup.add("row-0", "a row added twice keeps its first text")

    assert len(dedup) == 5_000
    # Fixed-size integers per row (signature, band hashes, exact hash, key), not objects: about
    # 340 bytes a row, where a dict-based index took about 3 KiB.
    assert dedup.nbytes() / len(dedup) < 450
    for index in (0, 1_023, 1_024, 2_500, 4_999):  # across signature blocks and merged index runs
        assert dedup.duplicate_of(originals[index]) == f"row-{index}"
        assert dedup.duplicate_of(edited(originals[index], rng, 2)) == f"row-{index}"
    assert dedup.duplicate_of("a row added twice keeps its first text") is None


@pytest.mark.slow
def test_near_duplicate_decisions_follow_the_true_jaccard_similarity() -> None:
    config = NearDuplicateConfig()
    rng = random.Random(11)
    agree, total = 0, 0
    for trial in range(150):
        dedup = StreamingDeduplicator(config)
        base = text(rng, 30)
        dedup.add("base", base)
        other = edited(base, rng, trial % 15)
        similarity = jaccard(shingles(base, config), shingles(other, config))
        if abs(similarity - config.threshold) < 0.08:  # the estimate may fall either side near the line
            continue
        total += 1
        agree += (dedup.duplicate_of(other) == "base") == (similarity >= config.threshold)
    assert total > 100
    assert agree / total >= 0.98
