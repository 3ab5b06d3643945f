"""Diversity report: distinct-n and cluster counts."""

from __future__ import annotations

import pytest

from distillation.quality import distinct_n, diversity_report


def test_distinct_n_counts_repeated_ngrams() -> None:
    assert distinct_n(["a b c", "a b d"], 1) == pytest.approx(4 / 6)
    assert distinct_n(["a b c", "a b d"], 2) == pytest.approx(3 / 4)
    assert distinct_n(["same text", "same text"], 2) == pytest.approx(0.5)
    assert distinct_n([], 1) == 0.0
    with pytest.raises(ValueError, match="n must be"):
        distinct_n(["a"], 0)


def test_report_counts_clusters_including_singletons() -> None:
    texts = [
        "How do I reset my password if I lost access to my email account?",
        "How do I reset my password if I lost access to my email inbox?",
        "What are the tax implications of selling shares held for under one year?",
        "Write a haiku about autumn rain falling on an empty city street.",
    ]
    report = diversity_report(texts)
    assert report.texts == 4
    assert report.duplicate_clusters == 1
    assert report.clusters == 3
    assert report.unique_ratio == pytest.approx(0.75)
    assert set(report.distinct_n) == {1, 2, 3}
    assert 0 < report.distinct_n[1] < report.distinct_n[3] <= 1
    assert report.mean_words == pytest.approx(sum(len(t.split()) for t in texts) / 4, abs=1)


def test_report_on_identical_texts_is_low_diversity() -> None:
    report = diversity_report(["the same sentence again"] * 5)
    assert report.clusters == 1
    assert report.distinct_n[1] == pytest.approx(0.2)
