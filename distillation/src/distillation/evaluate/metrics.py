"""Reference-based metrics, chosen by data type.

| data type      | exact match            | field accuracy                    | ROUGE-L |
| -------------- | ---------------------- | --------------------------------- | ------- |
| qa             | answer                 | —                                 | answer  |
| classification | label                  | label (case-insensitive)          | —       |
| translation    | target                 | —                                 | target  |
| code           | code                   | —                                 | code    |
| generation     | last assistant turn    | —                                 | same    |
| ner            | the entity list        | entity F1 over (text, label) pairs | —      |

Exact match compares after collapsing whitespace and case. ROUGE-L is the F-measure of Google's
``rouge-score`` with a Unicode word tokenizer (its default one drops every non-ASCII letter, which
would score translations into most languages as empty).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from rouge_score import rouge_scorer

ROUGE_TYPES = frozenset({"qa", "translation", "code", "generation"})
_WORD = re.compile(r"\w+", re.UNICODE)


class _UnicodeWords:
    """Lower-cased Unicode words (the ``tokenize`` interface ``rouge-score`` expects)."""

    def tokenize(self, text: str) -> list[str]:
        return _WORD.findall(text.casefold())


_SCORER = rouge_scorer.RougeScorer(["rougeL"], tokenizer=_UnicodeWords())


def normalize(text: str) -> str:
    """Whitespace collapsed, case folded."""
    return " ".join(text.split()).casefold()


def exact_match(prediction: str, reference: str) -> float:
    """1.0 when equal after :func:`normalize`, else 0.0."""
    return float(normalize(prediction) == normalize(reference))


def rouge_l(prediction: str, reference: str) -> float:
    """ROUGE-L F-measure (0–1)."""
    return float(_SCORER.score(reference, prediction)["rougeL"].fmeasure)


def field_accuracy(
    datatype_name: str, prediction: Mapping[str, Any] | None, reference: Mapping[str, Any]
) -> float | None:
    """The data type's field-level score (see the module table); None where it has none.

    An answer that did not form a record (``prediction`` None) scores 0.
    """
    if datatype_name == "classification":
        if prediction is None:
            return 0.0
        return float(normalize(str(prediction.get("label", ""))) == normalize(str(reference["label"])))
    if datatype_name == "ner":
        return entity_f1(prediction.get("entities", []) if prediction else [], reference["entities"])
    return None


def entity_f1(predicted: Sequence[Any], reference: Sequence[Any]) -> float:
    """F1 of the (text, label) pairs, counted with multiplicity; 1.0 when both are empty."""
    wanted, got = Counter(_pairs(reference)), Counter(_pairs(predicted))
    if not wanted and not got:
        return 1.0
    hits = sum((wanted & got).values())
    if hits == 0:
        return 0.0
    precision, recall = hits / sum(got.values()), hits / sum(wanted.values())
    return 2 * precision * recall / (precision + recall)


def mean(values: Sequence[float | None]) -> float | None:
    """The mean of the values that are not None (None when none is)."""
    present = [value for value in values if value is not None]
    return sum(present) / len(present) if present else None


def _pairs(entities: Sequence[Any]) -> list[tuple[str, str]]:
    pairs = []
    for entity in entities:
        if isinstance(entity, Mapping):
            pairs.append((normalize(str(entity.get("text", ""))), normalize(str(entity.get("label", "")))))
    return pairs
