"""Judge win rate: the LLM judge scores each model's answers (as records); pairs of scores are compared."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from distillation.datatypes import DataType
from distillation.evaluate.inference import CallBook, Progress, provider_answers
from distillation.evaluate.responses import ReadAnswer
from distillation.providers import Credentials, RateLimit
from distillation.quality import aggregate_score, judge_prompt, judge_schema, parse_judge_output

JUDGE_MAX_TOKENS = 384


def judge_answers(
    judge: str,
    datatype: DataType[Any],
    read: Sequence[ReadAnswer | None],
    *,
    credentials: Mapping[str, Credentials],
    progress: Progress | None = None,
    concurrency: int = 4,
    rate_limit: RateLimit | None = None,
    book: CallBook | None = None,
) -> list[float | None]:
    """The judge's aggregate score (0–10) of each answer.

    An answer that formed no valid record scores 0 without asking the judge (it failed the format
    before any judging); a judge reply that cannot be parsed gives None (the row is left out of the
    win rate).
    """
    asked = [
        (i, item.data)
        for i, item in enumerate(read)
        if item is not None and item.valid and item.data is not None
    ]
    prompts = [judge_prompt(datatype, data).messages for _, data in asked]
    replies = provider_answers(
        judge,
        prompts,
        credentials=credentials,
        max_tokens=JUDGE_MAX_TOKENS,
        schema=judge_schema(),
        concurrency=concurrency,
        rate_limit=rate_limit,
        progress=progress,
        book=book,
    )
    scores: list[float | None] = [0.0] * len(read)
    for (index, _), reply in zip(asked, replies, strict=True):
        parsed = parse_judge_output(reply.text) if reply.error is None else None
        scores[index] = aggregate_score(parsed.scores) if parsed and parsed.scores else None
    return scores


def win_rate(candidate: Sequence[float | None], baseline: Sequence[float | None]) -> float | None:
    """Share of rows where ``candidate`` scored above ``baseline`` (ties count half), None if no pair."""
    pairs = [(c, b) for c, b in zip(candidate, baseline, strict=True) if c is not None and b is not None]
    if not pairs:
        return None
    return sum(1.0 if c > b else 0.5 if c == b else 0.0 for c, b in pairs) / len(pairs)
