"""Answers for the fake provider that fit the pipeline's requests: varied, valid rows and judge scores.

Example:
    >>> with FakeProviderServer(varied_answer) as server:  # doctest: +SKIP
    ...     ...  # every example request gets a distinct QA record, every judge request good scores
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from distillation.cost import PriceTable, TokenUsage
from distillation.testing.scripts import Behavior, RecordedRequest, ok

WORDS = (
    "invoice refund parcel courier warranty router firmware password subscription upgrade billing "
    "address delivery tracking replacement charger battery screen login account statement transfer "
    "deposit balance contract renewal discount voucher shipment customs insurance claim appointment "
    "prescription dosage allergy symptom schedule meeting agenda budget forecast revenue margin audit "
    "compliance policy license patent lease tenant mortgage tutor lesson exam syllabus workshop essay"
).split()

Scores = dict[str, Any]
GOOD_SCORES: Scores = {
    "content_quality": 9,
    "instruction_alignment": 9,
    "factual_correctness": 9,
    "formatting": 9,
    "training_utility": 9,
    "feedback": [],
}


def schema_name(request: RecordedRequest) -> str | None:
    """The JSON-schema name a request asks for (``example``, ``judge_scores``...).

    OpenAI's requests name their schema and Anthropic's their tool; Gemini's carry the schema alone,
    so it is recognised: the judge's, the task policy's and the pairwise verdict's schemas, any other
    being a row's.
    """
    fmt = request.body.get("response_format") or {}
    named = (fmt.get("json_schema") or {}).get("name")
    if named is not None or request.api == "openai":
        return named
    if request.api == "anthropic":
        return (request.body.get("tool_choice") or {}).get("name")
    if request.api == "gemini":
        schema = (request.body.get("generationConfig") or {}).get("responseJsonSchema")
        return None if schema is None else _gemini_schema_name(schema)
    return None


def _gemini_schema_name(schema: dict[str, Any]) -> str:
    # Imported here: the fake's only ties to the pipeline, not loaded by tests that never need them.
    from distillation.datatypes import TaskPolicy
    from distillation.preference.verdict import VERDICT_SCHEMA_NAME, verdict_schema
    from distillation.quality.judge import judge_schema

    if schema == judge_schema():
        return "judge_scores"
    if schema == TaskPolicy.model_json_schema():
        return "task_policy"
    if schema == verdict_schema():
        return VERDICT_SCHEMA_NAME
    return "example"


def sentence(rng: random.Random, n: int) -> str:
    """``n`` random words."""
    return " ".join(rng.choice(WORDS) for _ in range(n))


def realistic_usage(request: RecordedRequest, text: str) -> tuple[int, int]:
    """Usage as a provider would bill it: about four characters a token, the response schema included."""
    schema = json.dumps(request.body.get("response_format") or {})
    return (len(request.text) + len(schema)) // 4 + 8, max(1, len(text) // 4)


def realistic_answer(
    request: RecordedRequest, judge: Callable[[RecordedRequest], Scores] = lambda _: GOOD_SCORES
) -> Behavior:
    """Like :func:`varied_answer`, with rows and judge replies of realistic length, billed as such.

    A QA row is a 20-word question and a 90-word answer (about 150 output tokens); a judge reply
    gives its scores and a sentence of feedback; the input tokens are those of the prompt actually
    sent (see :func:`realistic_usage`). An answer longer than the request's ``max_tokens`` is cut
    there (finish ``length``), as a provider cuts it. The reference run of the cost model uses it.
    """
    behavior = _realistic(request, judge)
    cap = request.body.get("max_completion_tokens") or request.body.get("max_tokens")
    if isinstance(cap, int) and behavior.usage is not None and behavior.usage[1] > cap:
        return behavior.with_(finish="length", usage=(behavior.usage[0], cap))
    return behavior


def _realistic(request: RecordedRequest, judge: Callable[[RecordedRequest], Scores]) -> Behavior:
    name = schema_name(request)
    rng = random.Random(request.key)
    if name == "judge_scores":
        scores = dict(judge(request))
        scores["feedback"] = scores.get("feedback") or [sentence(rng, 18).capitalize() + "."]
        text = json.dumps(scores)
    elif name == "example":
        record = {
            "question": sentence(rng, 20).capitalize() + "?",
            "answer": sentence(rng, 90).capitalize() + ".",
        }
        text = json.dumps(record)
    else:
        return varied_answer(request, judge).with_(usage=realistic_usage(request, "x" * 1400))
    return ok(text=text, usage=realistic_usage(request, text))


def varied_answer(
    request: RecordedRequest, judge: Callable[[RecordedRequest], Scores] = lambda _: GOOD_SCORES
) -> Behavior:
    """A distinct QA record (or amplified pair, or trace) per distinct request; scores for judge requests."""
    name = schema_name(request)
    rng = random.Random(request.key)
    if name == "judge_scores":
        return ok(text=json.dumps(judge(request)), usage=(300, 60))
    if name == "example":
        record = {
            "question": sentence(rng, 14).capitalize() + "?",
            "answer": sentence(rng, 30).capitalize() + ".",
        }
        return ok(text=json.dumps(record), usage=(400, 80))
    if name == "reasoning_trace":  # seed amplification: the teacher's chain of thought for a seed
        return ok(text=json.dumps({"reasoning": sentence(rng, 20).capitalize() + "."}), usage=(200, 40))
    if name == "pair":  # seed amplification: a new input/output pair
        pair = {"input": sentence(rng, 12).capitalize() + "?", "output": sentence(rng, 24).capitalize() + "."}
        return ok(text=json.dumps(pair), usage=(600, 50))
    return ok(usage=(500, 120))  # the task policy: the server's schema-valid default


def realistic_bill(requests: Iterable[RecordedRequest], prices: PriceTable | None = None) -> Decimal:
    """What a provider answering with :func:`realistic_answer` billed: every answered request's usage.

    Args:
        requests: The fake server's recorded requests (``server.requests``).
        prices: The price table (the bundled one by default); models are priced as ``openai:<model>``.
    """
    table = PriceTable.load(None) if prices is None else prices
    total = Decimal(0)
    for request in requests:
        usage = realistic_answer(request).usage
        if request.status == 200 and usage is not None:
            total += table.cost_of(f"openai:{request.model}", TokenUsage(*usage)) or Decimal(0)
    return total


def preference_answer(request: RecordedRequest, *, teacher: str = "gpt-4o") -> Behavior:
    """Scripted answers of a preference run: each answer names its author, the judge has known habits.

    An answer request is answered ``Teacher answer: <last turn>`` when it names the ``teacher`` model,
    ``Student answer: <last turn>`` otherwise. A pairwise verdict (schema ``pairwise_verdict``)
    prefers the teacher's answer, 9 to 4, wherever it is shown, except for prompts that mention
    "tricky" (it always picks A, 8 to 5: position bias), "even" (a tie, 7 to 7) or "close" (the
    teacher, 9 to 8).
    """
    if schema_name(request) != "pairwise_verdict":
        author = "Teacher" if request.model == teacher else "Student"
        return ok(text=f"{author} answer: {request.body['messages'][-1]['content']}", usage=(30, 20))
    user = request.body["messages"][-1]["content"]
    shown_a = user.split("[Answer A]", 1)[1].split("[End of answer A]", 1)[0]
    teacher_is_a = "Teacher answer" in shown_a
    verdict: dict[str, Any]
    if "tricky" in user:
        verdict = {"winner": "A", "score_a": 8, "score_b": 5, "reason": "A reads better."}
    elif "even" in user:
        verdict = {"winner": "tie", "score_a": 7, "score_b": 7, "reason": "Both are fine."}
    else:
        teacher_score, student_score = 9, 8 if "close" in user else 4
        verdict = {
            "winner": "A" if teacher_is_a else "B",
            "score_a": teacher_score if teacher_is_a else student_score,
            "score_b": student_score if teacher_is_a else teacher_score,
            "reason": "The teacher's answer is more complete.",
        }
    return ok(text=json.dumps(verdict), usage=(200, 40))


def preference_script(teacher_marker: str = "teacher") -> Callable[[RecordedRequest], Behavior | None]:
    """A script step (see ``scripts.chain``) that lets a plain fake server take part in preference runs.

    Every pairwise verdict is answered as :func:`preference_answer` answers it, and a plain answer asked
    of a model whose name contains ``teacher_marker`` is ``Teacher answer: <last turn>``; any other
    request is left to the next step (a student's answer is then the default echo, which the verdicts
    tell from the teacher's). ``python -m distillation.testing`` chains it, so the dashboard's end-to-end
    tests can run a preference job on the fake provider with a teacher model named, e.g., ``fake-teacher``.
    """

    def script(request: RecordedRequest) -> Behavior | None:
        name = schema_name(request)
        if name == "pairwise_verdict" or (name is None and teacher_marker in request.model):
            return preference_answer(request, teacher=request.model)
        return None

    return script
