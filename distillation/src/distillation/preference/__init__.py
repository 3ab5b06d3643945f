"""Preference pairs: the teacher's and the student's answers to a prompt set, judged pairwise in both
orders; the pairs with a clear margin become prompt / chosen / rejected rows (TRL DPO, OpenAI
preference fine-tuning). See :mod:`distillation.preference.run` and
:mod:`distillation.preference.verdict`; the exports: :mod:`distillation.export.preference`.
"""

from distillation.preference.run import (
    Answered,
    JsonlPreferenceSink,
    MemoryPreferenceSink,
    PreferencePair,
    PreferenceReport,
    PreferenceRun,
    PreferenceSink,
)
from distillation.preference.verdict import (
    DEFAULT_MIN_MARGIN,
    VERDICT_SCHEMA_NAME,
    PairDecision,
    PairwiseVerdict,
    Verdict,
    decide_pair,
    pairwise_prompt,
    parse_verdict,
    verdict_schema,
)

__all__ = [
    "DEFAULT_MIN_MARGIN",
    "VERDICT_SCHEMA_NAME",
    "Answered",
    "JsonlPreferenceSink",
    "MemoryPreferenceSink",
    "PairDecision",
    "PairwiseVerdict",
    "PreferencePair",
    "PreferenceReport",
    "PreferenceRun",
    "PreferenceSink",
    "Verdict",
    "decide_pair",
    "pairwise_prompt",
    "parse_verdict",
    "verdict_schema",
]
