"""The task policy checked against the seed rows it summarises.

Models count words badly, and small ones worse: the bundled 135M teacher described 10–25 word
questions as "3–3 words", and the student then writes three-word rows. The seeds are the ground
truth: a length range that does not even overlap what the seeds measure is replaced by the measured
range. When the teacher's policy is unusable altogether, one is derived from the seeds alone.
"""

from __future__ import annotations

from collections.abc import Sequence

from distillation.datatypes import LengthRange, TaskPolicy
from distillation.pipeline.types import Row

_USER_ROLES = frozenset({"user", "system"})


def measured_lengths(seeds: Sequence[Row]) -> tuple[LengthRange, LengthRange]:
    """Word-count ranges of the seed rows: the user side (system and user turns) and the responses."""
    inputs = [_words(row, user=True) for row in seeds] or [20]
    outputs = [_words(row, user=False) for row in seeds] or [20]
    return (
        LengthRange(min_words=min(inputs), max_words=max(inputs)),
        LengthRange(min_words=min(outputs), max_words=max(outputs)),
    )


def fit_lengths(policy: TaskPolicy, seeds: Sequence[Row]) -> TaskPolicy:
    """The policy, with each length range that contradicts the seeds replaced by what they measure."""
    if not seeds:
        return policy
    measured_input, measured_output = measured_lengths(seeds)
    return policy.model_copy(
        update={
            "input_length": _fit(policy.input_length, measured_input),
            "output_length": _fit(policy.output_length, measured_output),
        }
    )


def seed_policy(seeds: Sequence[Row], *, task: str) -> TaskPolicy:
    """A policy derived from the seeds without a model, when the teacher's policy is unusable."""
    measured_input, measured_output = measured_lengths(seeds)
    return TaskPolicy(
        task=task,
        input_format="as in the examples",
        output_format="as in the examples",
        reasoning_style="direct",
        constraints=[],
        input_length=measured_input,
        output_length=measured_output,
    )


def _fit(stated: LengthRange, measured: LengthRange) -> LengthRange:
    overlaps = stated.min_words <= measured.max_words and stated.max_words >= measured.min_words
    return stated if overlaps and stated.min_words <= stated.max_words else measured


def _words(row: Row, *, user: bool) -> int:
    return sum(len(m["content"].split()) for m in row.messages if (m["role"] in _USER_ROLES) == user)
