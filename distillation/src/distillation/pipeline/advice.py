"""Model-pair advice: students and cheap judges for a teacher, from the price catalogue.

The catalogue is every chat model of a provider Distillery has an adapter for (OpenAI, Anthropic,
Google) in ``genai-prices``' bundled data, plus the models of the operator's price overrides; only
models with a known token price are listed. Each candidate is priced into the user's planned job by
the keyless estimator (:func:`distillation.pipeline.estimates.offline_estimate`): a student replaces the
student of the job, a judge becomes the judge policy's cheap judge (the teacher stays the strong judge
that scores the seed rows and the escalations).

Facts are stated only where they are known: a model's context window comes from ``genai-prices``
(``None`` when it has none), and whether the adapter can ask the model for schema-constrained output
comes from a short table of what the providers document (``None``: unknown). Candidates the teacher's
key already serves come first (same provider), then by the estimated saving, then by the larger
context window.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Final, Literal

from genai_prices import data as genai_data

from distillation.cost import PriceTable, parse_model_id
from distillation.pipeline.config import GenerationConfig, JudgePolicy
from distillation.pipeline.estimates import offline_estimate, offline_pilots

__all__ = ["Advice", "Candidate", "Role", "Suggestion", "advise", "catalogue", "structured_output"]

Role = Literal["student", "judge"]
Structured = Literal["native", "none"]

# The providers whose models the catalogue lists: our provider name -> genai-prices provider id.
_PROVIDERS: Final = {"openai": "openai", "anthropic": "anthropic", "google": "google"}
# Models that are not text chat models (audio, images, embeddings, search, realtime, completions...),
# or not served by the provider's own API (open-weight ``gpt-oss``, Gemma), and another vendor's
# models resold by the provider (Claude on Google).
_NOT_CHAT: Final = re.compile(
    r"audio|tts|transcribe|realtime|image|embedding|search|vision|computer-use|live|robotics|"
    r"^ft:|\.ft-|:|-$|^(ada|babbage|curie|davinci|text-davinci)|instruct|^gemma|^claude-v1|^claude-2|"
    r"nano-banana|^gpt-oss"
)
_OTHER_VENDOR: Final = {"google": re.compile(r"^claude-")}
# Whether the adapter's native schema mode works, as the providers document it: OpenAI Structured
# Outputs (``json_schema``), Anthropic's forced tool call (tool use), Gemini ``response_json_schema``.
_STRUCTURED: Final[tuple[tuple[str, re.Pattern[str], Structured], ...]] = (
    ("openai", re.compile(r"^gpt-4o-2024-05-13$|^gpt-4o:|^gpt-3\.5|^gpt-4(-32k|-turbo|-0|$)"), "none"),
    ("openai", re.compile(r"^(gpt-4o|gpt-4\.1|gpt-5|o1$|o1-20|o3|o4-mini|chatgpt-4o)"), "native"),
    ("anthropic", re.compile(r"^claude-(3|haiku|sonnet|opus|fable|mythos)"), "native"),
    ("google", re.compile(r"^gemini-(2\.5|3|4)"), "native"),
)


def structured_output(model_id: str) -> Structured | None:
    """``native`` when the provider documents a schema mode for the model, ``none`` when it documents
    that the model has none (answers are then asked by prompt and validated), ``None`` when unknown."""
    parsed = parse_model_id(model_id)
    if parsed is None:
        return None
    provider, model = parsed
    for name, pattern, support in _STRUCTURED:
        if name == provider and pattern.search(model):
            return support
    return None


@dataclass(frozen=True, slots=True)
class Candidate:
    """A model of the catalogue.

    Attributes:
        model_id: ``provider:model``.
        context_window: Input tokens the model accepts, ``None`` when the catalogue does not say.
        deprecated: Whether the provider marks it deprecated (never suggested).
    """

    model_id: str
    context_window: int | None = None
    deprecated: bool = False


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A student or cheap judge for the teacher, with the planned job's estimate.

    Attributes:
        model_id: The model suggested.
        role: ``student`` or ``judge`` (the judge policy's cheap judge).
        input_per_mtok: US dollars per million input tokens.
        output_per_mtok: US dollars per million output tokens.
        price_ratio: The model's price of the job's typical call against the teacher's (0.06 = 6%).
        context_window: Input tokens it accepts, ``None`` when unknown.
        structured_output: See :func:`structured_output`; ``None`` when unknown.
        estimated_cost: The planned job with this model.
        teacher_only: The teacher writing and validating every row of the planned job.
        savings: ``teacher_only - estimated_cost``.
        savings_percent: The saving as a share of ``teacher_only``; ``None`` when that is zero.
        notes: Facts the user should weigh (another provider's key, a smaller context, unknowns).
    """

    model_id: str
    role: Role
    input_per_mtok: Decimal
    output_per_mtok: Decimal
    price_ratio: Decimal
    context_window: int | None
    structured_output: Structured | None
    estimated_cost: Decimal
    teacher_only: Decimal
    savings: Decimal
    savings_percent: Decimal | None
    notes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Advice:
    """Students and judges for a teacher, best saving first.

    Attributes:
        teacher: The teacher.
        teacher_context_window: Its context window, ``None`` when unknown.
        data_type: The planned job's data type.
        count: Its rows.
        students: Suggested students.
        judges: Suggested cheap judges, for the best student.
    """

    teacher: str
    teacher_context_window: int | None
    data_type: str
    count: int
    students: tuple[Suggestion, ...]
    judges: tuple[Suggestion, ...]


def catalogue(prices: PriceTable, extra: Iterable[str] = ()) -> list[Candidate]:
    """Every chat model with a known price: ``genai-prices``' models of our providers, the models of
    the price overrides and ``extra`` ids, deduplicated, deprecated ones flagged."""
    found: dict[str, Candidate] = {}
    for provider in genai_data.providers:
        ours = next((name for name, gp in _PROVIDERS.items() if gp == provider.id), None)
        if ours is None:
            continue
        vendor = _OTHER_VENDOR.get(ours)
        for model in provider.models:
            if _NOT_CHAT.search(model.id) or (vendor is not None and vendor.search(model.id)):
                continue
            model_id = f"{ours}:{model.id}"
            if prices.price_for(model_id) is None:
                continue
            found[model_id] = Candidate(model_id, model.context_window, bool(model.deprecated))
    for model_id in (*prices.overridden_models(), *extra):
        if model_id not in found and prices.price_for(model_id) is not None:
            found[model_id] = Candidate(model_id)
    return sorted(found.values(), key=lambda c: c.model_id)


def advise(
    teacher: str,
    prices: PriceTable,
    *,
    data_type: str = "qa",
    count: int = 1000,
    max_tokens: int = 512,
    extra_models: Iterable[str] = (),
    limit: int = 5,
    candidates: Sequence[Candidate] | None = None,
) -> Advice:
    """Students and cheap judges for ``teacher``, each priced into the planned job (no request sent).

    A student must cost less per typical call than the teacher; a judge must cost less than the
    teacher and is priced with the best student. Ranked with the teacher's provider first, then by
    estimated saving (highest first), then by the larger known context window, then by id.

    Args:
        teacher: The teacher's ``provider:model`` id.
        prices: The price table.
        data_type: The planned job's data type (its token model).
        count: Its rows.
        max_tokens: Its answer cap.
        extra_models: More model ids to consider (e.g. the overrides' self-hosted models).
        limit: Suggestions per role.
        candidates: The models to consider (default: :func:`catalogue`).

    Raises:
        ValueError: The teacher has no known price, or is not a ``provider:model`` id.
    """
    if parse_model_id(teacher) is None:
        raise ValueError(f"not a provider:model id: {teacher!r}")
    teacher_price = prices.price_for(teacher)
    if teacher_price is None:
        raise ValueError(f"no price for the teacher {teacher!r}: advice compares prices")
    pool = list(candidates) if candidates is not None else catalogue(prices, extra_models)
    known = {c.model_id: c for c in pool}
    teacher_context = known[teacher].context_window if teacher in known else _context_of(teacher)
    base = GenerationConfig(data_type=data_type, count=count, teacher=teacher, max_tokens=max_tokens)
    usage_in, usage_out = _typical_call(base)
    teacher_call = teacher_price.input_per_mtok * usage_in + teacher_price.output_per_mtok * usage_out

    def suggest(candidate: Candidate, role: Role, config: GenerationConfig) -> Suggestion | None:
        price = prices.price_for(candidate.model_id)
        if price is None or candidate.deprecated or candidate.model_id == teacher:
            return None
        call = price.input_per_mtok * usage_in + price.output_per_mtok * usage_out
        if teacher_call == 0 or call >= teacher_call:
            return None
        _, breakdown = offline_estimate(config, prices)
        if breakdown.actual is None or breakdown.teacher_only is None or breakdown.savings is None:
            return None
        return Suggestion(
            model_id=candidate.model_id,
            role=role,
            input_per_mtok=price.input_per_mtok,
            output_per_mtok=price.output_per_mtok,
            price_ratio=(call / teacher_call).quantize(Decimal("0.0001")),
            context_window=candidate.context_window,
            structured_output=structured_output(candidate.model_id),
            estimated_cost=breakdown.actual,
            teacher_only=breakdown.teacher_only,
            savings=breakdown.savings,
            savings_percent=breakdown.savings_percent,
            notes=_notes(teacher, teacher_context, candidate),
        )

    students = _ranked(
        teacher,
        [
            suggestion
            for candidate in pool
            if (
                suggestion := suggest(
                    candidate, "student", base.model_copy(update={"student": candidate.model_id})
                )
            )
        ],
    )[:limit]
    student = students[0].model_id if students else base.student
    judges = _ranked(
        teacher,
        [
            suggestion
            for candidate in pool
            if (
                suggestion := suggest(
                    candidate,
                    "judge",
                    base.model_copy(
                        update={
                            "student": student,
                            "judge_policy": JudgePolicy(cheap_judge=candidate.model_id),
                        }
                    ),
                )
            )
        ],
    )[:limit]
    return Advice(teacher, teacher_context, data_type, count, tuple(students), tuple(judges))


def _typical_call(config: GenerationConfig) -> tuple[Decimal, Decimal]:
    """Input and output millions of tokens of one row-writing call of the data type."""
    pilot = offline_pilots(config)["bulk"]
    return pilot.input_tokens_per_row / 1_000_000, pilot.output_tokens_per_row / 1_000_000


def _context_of(model_id: str) -> int | None:
    parsed = parse_model_id(model_id)
    if parsed is None or parsed[0] not in _PROVIDERS:
        return None
    provider = next((p for p in genai_data.providers if p.id == _PROVIDERS[parsed[0]]), None)
    model = provider.find_model(parsed[1]) if provider is not None else None
    return model.context_window if model is not None else None


def _notes(teacher: str, teacher_context: int | None, candidate: Candidate) -> tuple[str, ...]:
    notes: list[str] = []
    provider = candidate.model_id.partition(":")[0]
    if provider != teacher.partition(":")[0]:
        notes.append(f"needs a key for {provider} besides the teacher's")
    if candidate.context_window is None:
        notes.append("context window unknown")
    elif teacher_context is not None and candidate.context_window < teacher_context:
        notes.append(f"smaller context than the teacher ({candidate.context_window:,} tokens)")
    if structured_output(candidate.model_id) is None:
        notes.append("schema-constrained output unknown: answers are validated and re-asked")
    elif structured_output(candidate.model_id) == "none":
        notes.append("no schema mode: answers are asked by prompt, validated and re-asked")
    return tuple(notes)


def _ranked(teacher: str, suggestions: Iterable[Suggestion]) -> list[Suggestion]:
    provider = teacher.partition(":")[0]

    def key(s: Suggestion) -> tuple[bool, Decimal, int, str]:
        return (s.model_id.partition(":")[0] != provider, -s.savings, -(s.context_window or 0), s.model_id)

    return sorted(suggestions, key=key)
