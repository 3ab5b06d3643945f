"""Quality control without LLM calls: structure checks, judge prompts/parsing, decisions, dedup, diversity.

The pipeline sends the prompts rendered here to the judge/fixer model and hands the replies and texts
back; nothing in this package performs a network call.

Example:
    >>> from distillation.quality import aggregate_score, decide, parse_judge_output
    >>> result = parse_judge_output('{"content_quality": 6, "instruction_alignment": 6, '
    ...     '"factual_correctness": 6, "formatting": 6, "training_utility": 6, "feedback": []}')
    >>> decide(aggregate_score(result.scores)).decision.value
    'fix'
"""

from distillation.quality.decisions import Decision, DecisionResult, QualityThresholds, decide
from distillation.quality.dedup import (
    DedupReport,
    DedupResult,
    DuplicateCluster,
    NearDuplicateConfig,
    deduplicate,
    exact_duplicates,
    jaccard,
    near_duplicates,
    normalize_text,
    shingles,
    text_hash,
)
from distillation.quality.diversity import DiversityReport, distinct_n, diversity_report
from distillation.quality.judge import (
    CRITERIA,
    CRITERION_NAMES,
    Criterion,
    JudgeResult,
    JudgeScores,
    aggregate_score,
    judge_schema,
    parse_judge_output,
)
from distillation.quality.prompts import fix_prompt, judge_prompt
from distillation.quality.structure import StructureResult, check_messages, check_structure

__all__ = [
    "CRITERIA",
    "CRITERION_NAMES",
    "Criterion",
    "Decision",
    "DecisionResult",
    "DedupReport",
    "DedupResult",
    "DiversityReport",
    "DuplicateCluster",
    "JudgeResult",
    "JudgeScores",
    "NearDuplicateConfig",
    "QualityThresholds",
    "StructureResult",
    "aggregate_score",
    "check_messages",
    "check_structure",
    "decide",
    "deduplicate",
    "distinct_n",
    "diversity_report",
    "exact_duplicates",
    "fix_prompt",
    "jaccard",
    "judge_prompt",
    "judge_schema",
    "near_duplicates",
    "normalize_text",
    "parse_judge_output",
    "shingles",
    "text_hash",
]
