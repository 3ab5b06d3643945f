"""Evaluation of a fine-tuned student: base vs tuned (vs teacher) on held-out rows never used as exemplars.

Per model: held-out loss and perplexity (local models), format validity of unconstrained answers
(the share that read back as a valid record of the data type), exact match, field accuracy and
ROUGE-L as fit the data type, the cost of 1,000 answers and the latency (median, p90); with a judge,
pointwise scores and pairwise win / tie / loss rates of the tuned student against the base and the
teacher (both orders, position bias cancelled), and the answers side by side with the judge's reasons.
Needs the ``finetune`` extra.

Example:
    >>> from pathlib import Path
    >>> from distillation.evaluate import EvaluationConfig, evaluate
    >>> report = evaluate(Path("qa.jsonl"), Path("runs/qa"), EvaluationConfig(max_rows=20))  # doctest: +SKIP
    >>> [(m.role, round(m.heldout_loss, 2)) for m in report.models]  # doctest: +SKIP
    [('base', 2.31), ('tuned', 1.64)]
"""

from distillation.evaluate.api import EvaluationConfig, ProgressCallback, evaluate
from distillation.evaluate.inference import Answer, CallBook, local_answers, provider_answers
from distillation.evaluate.judge import judge_answers, win_rate
from distillation.evaluate.metrics import entity_f1, exact_match, field_accuracy, rouge_l
from distillation.evaluate.pairwise import PairwiseResult, RowVerdict, judge_pairwise
from distillation.evaluate.report import (
    EvaluationReport,
    ModelEvaluation,
    SampleAnswer,
    SideBySide,
    score_model,
)
from distillation.evaluate.responses import ReadAnswer, infer_datatype, read_answer, response_text

__all__ = [
    "Answer",
    "CallBook",
    "EvaluationConfig",
    "EvaluationReport",
    "ModelEvaluation",
    "PairwiseResult",
    "ProgressCallback",
    "ReadAnswer",
    "RowVerdict",
    "SampleAnswer",
    "SideBySide",
    "entity_f1",
    "evaluate",
    "exact_match",
    "field_accuracy",
    "infer_datatype",
    "judge_answers",
    "judge_pairwise",
    "local_answers",
    "provider_answers",
    "read_answer",
    "response_text",
    "rouge_l",
    "score_model",
    "win_rate",
]
