"""The pipeline's streaming deduplicator: exact and near-duplicates against rows already accepted."""

from __future__ import annotations

import random

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
