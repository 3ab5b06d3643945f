"""The compact hash index behind the deduplicator and the answer cache: the same answers as a dict."""

from __future__ import annotations

import random
from collections import defaultdict

import numpy as np

from distillation.pipeline.hashindex import HashIndex


def test_lookups_match_a_dict_of_lists_across_tail_flushes_and_run_merges() -> None:
    rng = random.Random(4)
    index = HashIndex(np.uint64, np.int64, tail=64)  # a small tail: many sorted runs and merges
    reference: dict[int, set[int]] = defaultdict(set)
    keys = [rng.getrandbits(64) for _ in range(3_000)]
    for value in range(10_000):
        batch = rng.sample(keys, rng.randint(1, 5))  # repeated keys hold several values
        index.add(batch, value)
        for key in batch:
            reference[key].add(value)
        if value % 997 == 0:
            probe = rng.sample(keys, 3)
            assert index.find(probe) == sorted(set().union(*(reference[k] for k in probe)))
    for key in rng.sample(keys, 300):
        assert index.find([key]) == sorted(reference[key])
    assert index.find([rng.getrandbits(64) | 1 << 63]) == []
    assert len(index) == sum(len(v) for v in reference.values())
    # 16 bytes an entry (plus the tail), where a dict spends about 100.
    assert index.nbytes() <= 16 * len(index) + 16 * 64


def test_narrow_keys_wrap_wide_hashes_and_a_batch_larger_than_the_tail_is_kept() -> None:
    index = HashIndex(np.uint32, np.uint32, tail=8)
    index.add(list(range(2**40, 2**40 + 20)), 7)  # 20 keys through an 8-entry tail
    assert index.find([2**40 + 19]) == [7]
    assert index.find([19]) == [7]  # the same low 32 bits: callers confirm matches themselves
    assert len(index) == 20
