"""LLM-judge rubric: the scores model, its JSON schema, a tolerant parser and the aggregate score."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from distillation.datatypes.jsonish import extract_json_object

Score = Annotated[float, Field(ge=0, le=10)]


MAX_FEEDBACK_ITEMS = 5
MAX_FEEDBACK_CHARS = 300


@dataclass(frozen=True)
class Criterion:
    """One rubric criterion, scored 0–10."""

    name: str
    description: str


CRITERIA: tuple[Criterion, ...] = (
    Criterion("content_quality", "natural, coherent and informative content"),
    Criterion(
        "instruction_alignment", "the response does exactly what the user turn asks, fully and only that"
    ),
    Criterion("factual_correctness", "every claim, number, code line and label is correct"),
    Criterion("formatting", "clear structure and formatting that fit the request and the data type's format"),
    Criterion(
        "training_utility", "how much a model would learn from this example; realistic and not trivial"
    ),
)
CRITERION_NAMES = tuple(criterion.name for criterion in CRITERIA)

# Judges, small models especially, rename keys; these spellings are accepted (after normalising case/spaces).
_ALIASES = {
    "content_quality": ("content", "quality", "content_quality_score"),
    "instruction_alignment": (
        "alignment",
        "instruction_response_alignment",
        "instruction_following",
        "relevance",
    ),
    "factual_correctness": ("factuality", "accuracy", "factual_accuracy", "correctness"),
    "formatting": ("format", "formatting_and_structure", "formatting_structure", "structure"),
    "training_utility": ("utility", "usefulness", "training_value", "educational_value"),
    "feedback": ("issues", "problems", "recommendations", "comments", "rationale", "explanation", "reasons"),
}
_CANONICAL = {alias: name for name, aliases in _ALIASES.items() for alias in (name, *aliases)}
_NESTED = ("scores", "ratings", "evaluation", "criteria")
_FRACTION = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*(?:/\s*(\d+(?:\.\d+)?)|(%))?")
# Rounding slop is clamped; anything further out means the judge used another scale, which we do not guess.
_CLAMP_SLACK = 1.0


class JudgeScores(BaseModel):
    """Rubric scores for one example (0–10 each) and the problems the judge found."""

    model_config = ConfigDict(extra="forbid")

    content_quality: Score = Field(description="Natural, coherent and informative content (0-10).")
    instruction_alignment: Score = Field(description="The response does what the user turn asks (0-10).")
    factual_correctness: Score = Field(description="Claims, numbers, code and labels are correct (0-10).")
    formatting: Score = Field(description="Structure and formatting fit the request and format (0-10).")
    training_utility: Score = Field(description="Value of this example for training a model (0-10).")
    # Bounded so a schema-constrained judge cannot ramble until its token cap (small local models do).
    feedback: list[Annotated[str, Field(max_length=MAX_FEEDBACK_CHARS)]] = Field(
        max_length=MAX_FEEDBACK_ITEMS, description="Concrete problems a rewrite must fix; empty when none."
    )

    def criteria(self) -> dict[str, float]:
        """Return criterion name → score."""
        return {name: float(getattr(self, name)) for name in CRITERION_NAMES}


@dataclass(frozen=True)
class JudgeResult:
    """Outcome of parsing one judge reply; a reply that cannot be parsed marks the row, never raises.

    Attributes:
        scores: The scores, or None when the reply could not be parsed.
        error: Why parsing failed (None on success).
        warnings: Repairs made along the way (renamed keys, clamped values, repaired JSON).
        raw: The judge's reply as received.
    """

    scores: JudgeScores | None
    error: str | None = None
    warnings: list[str] = field(default_factory=list)
    raw: str = ""

    @property
    def ok(self) -> bool:
        """True when scores were parsed."""
        return self.scores is not None


def judge_schema() -> dict[str, Any]:
    """Return the JSON schema of :class:`JudgeScores` for constrained decoding."""
    return JudgeScores.model_json_schema()


def parse_judge_output(text: str) -> JudgeResult:
    """Parse a judge's reply into scores, tolerating fences, prose, truncation and renamed keys.

    Scores may be numbers, numeric strings, ``"8/10"``, ``"85%"`` or ``{"score": 8, "reason": ...}``;
    values up to 1 outside 0–10 are clamped, values further out fail (another scale is not guessed).

    Example:
        >>> parse_judge_output('```json\\n{"content": 8, "alignment": 9, "accuracy": 7, '
        ...     '"format": "9/10", "utility": 8}\\n```').scores.formatting
        9.0
    """
    extraction = extract_json_object(text)
    if extraction.value is None:
        return JudgeResult(None, f"unparseable judge output: {extraction.error}", raw=text)
    warnings = list(extraction.notes)
    fields, feedback = _collect(_flatten(extraction.value), warnings)
    missing = [name for name in CRITERION_NAMES if name not in fields]
    if missing:
        return JudgeResult(None, f"judge output lacks scores for: {', '.join(missing)}", warnings, text)
    scores: dict[str, float] = {}
    for name in CRITERION_NAMES:
        value, problem = _score(fields[name])
        if value is not None:
            value, problem = _in_range(name, value, warnings)
        if value is None:
            return JudgeResult(None, f"{name}: {problem}", warnings, text)
        scores[name] = value
    if len(feedback) > MAX_FEEDBACK_ITEMS or any(len(item) > MAX_FEEDBACK_CHARS for item in feedback):
        warnings.append(f"feedback cut to {MAX_FEEDBACK_ITEMS} items of {MAX_FEEDBACK_CHARS} characters")
    bounded = [item[:MAX_FEEDBACK_CHARS] for item in feedback[:MAX_FEEDBACK_ITEMS]]
    return JudgeResult(JudgeScores(**scores, feedback=bounded), None, warnings, text)


def aggregate_score(scores: JudgeScores, weights: Mapping[str, float] | None = None) -> float:
    """Return the weighted mean of the criteria (equal weights by default), 0–10.

    Raises:
        ValueError: A weight names an unknown criterion, is negative, or all weights are 0.
    """
    chosen = dict.fromkeys(CRITERION_NAMES, 1.0) if weights is None else dict(weights)
    unknown = sorted(set(chosen) - set(CRITERION_NAMES))
    if unknown or any(w < 0 for w in chosen.values()) or sum(chosen.values()) <= 0:
        raise ValueError(f"invalid criterion weights {chosen}; criteria are {', '.join(CRITERION_NAMES)}")
    values = scores.criteria()
    return sum(values[name] * weight for name, weight in chosen.items()) / sum(chosen.values())


def _flatten(data: dict[str, Any]) -> dict[str, Any]:
    flat = dict(data)
    for key in _NESTED:
        nested = flat.pop(key, None)
        if isinstance(nested, dict):
            flat = {**nested, **flat}
        elif isinstance(nested, list):
            flat = {**_from_list(nested), **flat}
    return flat


def _from_list(items: list[Any]) -> dict[str, Any]:
    """Read ``[{"name": ..., "score": ...}, ...]`` lists that some judges produce."""
    found = {}
    for item in items:
        if isinstance(item, dict):
            name = item.get("name") or item.get("criterion")
            if isinstance(name, str) and "score" in item:
                found[name] = item
    return found


def _collect(data: dict[str, Any], warnings: list[str]) -> tuple[dict[str, Any], list[str]]:
    fields: dict[str, Any] = {}
    feedback: list[str] = []
    for key, value in data.items():
        canonical = _CANONICAL.get(_key(key))
        if canonical is None:
            continue
        if canonical != key:
            warnings.append(f"read {key!r} as {canonical!r}")
        if canonical == "feedback":
            feedback.extend(_texts(value))
            continue
        if isinstance(value, dict):
            feedback.extend(_texts(value.get("reason") or value.get("feedback")))
        fields.setdefault(canonical, value)
    return fields, feedback


def _key(key: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", key.casefold()).strip("_")


def _texts(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value.strip()] if value.strip() else []
    if isinstance(value, list):
        return [str(item).strip() for item in value if str(item).strip()]
    return []


def _score(value: Any) -> tuple[float | None, str]:
    if isinstance(value, dict):
        value = value.get("score", value.get("value"))
    if isinstance(value, bool) or value is None:
        return None, f"score is not a number ({value!r})"
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        parsed = _FRACTION.match(value)
        if parsed is None:
            return None, f"score is not a number ({value!r})"
        number = float(parsed.group(1))
        if parsed.group(2):
            denominator = float(parsed.group(2))
            number = number * 10 / denominator if denominator else math.nan
        elif parsed.group(3):
            number /= 10
    else:
        return None, f"score is not a number ({value!r})"
    if not math.isfinite(number):
        return None, f"score is not a finite number ({value!r})"
    return number, ""


def _in_range(name: str, value: float, warnings: list[str]) -> tuple[float | None, str]:
    if 0 <= value <= 10:
        return value, ""
    if -_CLAMP_SLACK <= value <= 10 + _CLAMP_SLACK:
        warnings.append(f"{name}: clamped {value} into 0-10")
        return min(10.0, max(0.0, value)), ""
    return None, f"score {value} is outside 0-10"
