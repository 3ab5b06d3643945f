"""Exact and near-duplicate detection, and which rows are dropped."""

from __future__ import annotations

import random

import pytest

from distillation.quality import (
    NearDuplicateConfig,
    deduplicate,
    exact_duplicates,
    jaccard,
    near_duplicates,
    normalize_text,
    shingles,
    text_hash,
)

DISTINCT = [
    "How do I reset my password if I no longer have access to the email address on my account?",
    "What is the difference between a fixed-rate and an adjustable-rate mortgage for first-time buyers?",
    "Can you explain how photosynthesis converts sunlight into chemical energy in plant cells?",
    "My order arrived damaged yesterday and I would like to request a replacement or a full refund.",
    "Write a Python function that checks whether a given string is a palindrome, ignoring case.",
    "The quarterly report shows revenue grew by twelve percent while operating costs remained flat.",
    "Summarize the key decisions from today's project meeting about the Q3 product launch timeline.",
    "What are the common side effects of ibuprofen and when should I stop taking it?",
    "Draft a polite email declining a vendor's proposal while keeping the door open for next year.",
    "Explain the difference between a process and a thread to a junior developer.",
]


def _one_word_edit(text: str, rng: random.Random) -> str:
    words = text.split()
    words[rng.randrange(len(words))] = rng.choice(["banana", "quickly", "blue", "seven"])
    return " ".join(words)


def test_normalisation_and_hash_ignore_case_width_and_whitespace() -> None:
    assert normalize_text("  Hello\u3000WORLD \n") == "hello world"
    assert text_hash("Ｈｅｌｌｏ  world") == text_hash("hello world")
    assert text_hash("hello world") != text_hash("hello word")


def test_exact_duplicates_keep_the_earliest_by_default() -> None:
    result = exact_duplicates(["A b", "c", "a  B", "C", "d"])
    assert [(c.members, c.keep) for c in result.clusters] == [([0, 2], 0), ([1, 3], 1)]
    assert result.drop == [2, 3]


def test_exact_duplicates_keep_the_best_scored_and_none_scores_lose() -> None:
    result = exact_duplicates(["x", "x", "x"], scores=[5.0, 9.0, None])
    assert result.clusters[0].keep == 1
    assert result.drop == [0, 2]


def test_distinct_texts_are_not_near_duplicates() -> None:
    assert near_duplicates(DISTINCT).clusters == []


def test_one_word_edits_are_near_duplicates() -> None:
    rng = random.Random(7)
    texts = list(DISTINCT)
    for original in DISTINCT[:5]:
        texts.append(_one_word_edit(original, rng))
    result = near_duplicates(texts)
    assert [c.members for c in result.clusters] == [[i, i + 10] for i in range(5)]
    assert result.drop == [10, 11, 12, 13, 14]


def test_near_duplicates_keep_the_best_scored() -> None:
    texts = [DISTINCT[0], DISTINCT[0].replace("password", "passcode"), DISTINCT[1]]
    result = near_duplicates(texts, scores=[6.0, 8.5, 9.0])
    assert result.clusters[0].keep == 1
    assert result.drop == [0]


def test_threshold_and_shingle_size_are_configurable() -> None:
    pair = [DISTINCT[3], DISTINCT[3].replace("damaged yesterday", "broken last week")]
    assert near_duplicates(pair, config=NearDuplicateConfig(threshold=0.5)).drop == [1]
    assert near_duplicates(pair, config=NearDuplicateConfig(threshold=0.95)).drop == []
    words = NearDuplicateConfig(unit="word", shingle_size=2, threshold=0.5)
    assert near_duplicates(pair, config=words).drop == [1]


def test_threshold_is_exact_jaccard_not_the_lsh_estimate() -> None:
    left = "The quarterly report shows revenue grew by twelve percent while operating costs remained flat."
    right = "The quarterly report shows revenue grew by twelve percent while operating expenses stayed flat."
    similarity = jaccard(shingles(left), shingles(right))
    assert 0.68 < similarity < 0.7
    assert near_duplicates([left, right], config=NearDuplicateConfig(threshold=0.7)).drop == []
    assert near_duplicates([left, right], config=NearDuplicateConfig(threshold=0.68)).drop == [1]


def test_deduplicate_runs_exact_then_near_with_original_indices() -> None:
    texts = [
        DISTINCT[0],
        DISTINCT[1],
        DISTINCT[0].upper(),
        DISTINCT[1].replace("buyers", "owners"),
        DISTINCT[2],
    ]
    report = deduplicate(texts, scores=[1.0, 2.0, 3.0, 1.0, 5.0])
    assert report.exact.drop == [0]  # the upper-case copy scored higher
    assert [c.members for c in report.near.clusters] == [[1, 3]]
    assert report.near.clusters[0].keep == 1
    assert report.drop == [0, 3]


def test_empty_and_mismatched_inputs() -> None:
    assert near_duplicates([]).clusters == []
    assert near_duplicates(["", ""]).clusters == []  # empty texts have no shingles; exact dedup owns them
    assert exact_duplicates(["", ""]).drop == [1]
    with pytest.raises(ValueError, match="2 scores for 3 texts"):
        exact_duplicates(["a", "b", "c"], scores=[1.0, 2.0])
