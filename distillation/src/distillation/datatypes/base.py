"""The data type contract: record schema, normalisation, validation and conversion to chat/instruction."""

from __future__ import annotations

import copy
import json
import re
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from distillation.datatypes.jsonish import extract_json_object

Message = dict[str, str]
"""A chat message: ``{"role": "system" | "user" | "assistant", "content": ...}``."""

R = TypeVar("R", bound=BaseModel)

_REFUSAL = re.compile(
    r"\bas an ai(?: language)? model\b|^\s*i(?:'m| am) sorry,? but i can(?:not|'t)\b"
    r"|\bi (?:cannot|can't|am unable to) (?:help|assist|comply) with (?:that|this)\b",
    re.IGNORECASE | re.MULTILINE,
)
# Template slots a model left unfilled: "[Name]", "[Company Name]", "[order number]". The slot words are
# listed so code such as "items[index]" or "a[i]" is never mistaken for one.
_SLOT = (
    r"\[(?:(?:your|the|customer|company|product|first|last|full|account|order|user|client|agent)[ _])?"
    r"(?:name|company|issue|location|date|time|product|email|phone|address|amount|city|country|link|url"
    r"|number|id)(?:[ _](?:name|number|here))?\]"
)
_PLACEHOLDER = re.compile(
    r"\{\{[^}]*\}\}|\[(?:insert|your|placeholder|todo)\b[^\]]*\]|\blorem ipsum\b|<placeholder>|" + _SLOT,
    re.IGNORECASE,
)


_SCHEMAS: dict[tuple[type[BaseModel], bool], dict[str, Any]] = {}


class Record(BaseModel):
    """Base of every record schema: unknown keys are refused so the JSON schema is closed."""

    model_config = ConfigDict(extra="forbid")


@dataclass(frozen=True)
class ValidationContext:
    """Dataset-level facts the validators check records against.

    Attributes:
        labels: Allowed labels (classification label, NER entity labels); None allows any.
        min_chars: Minimum length of every text field after stripping.
        max_chars: Maximum length of every text field.
        min_turns: Minimum number of turns in a ``generation`` conversation.
        allow_overlapping_entities: Accept nested/overlapping NER spans.
        check_refusals: Flag responses that are refusals ("As an AI language model...").
    """

    labels: Sequence[str] | None = None
    min_chars: int = 1
    max_chars: int = 20_000
    min_turns: int = 2
    allow_overlapping_entities: bool = False
    check_refusals: bool = True


DEFAULT_CONTEXT = ValidationContext()


@dataclass(frozen=True)
class TextField:
    """A text inside a record, for the checks every data type shares.

    Attributes:
        path: Where it sits, e.g. ``answer`` or ``turns[3].content``.
        text: The text.
        is_response: True for what the trained model will learn to write (refusals matter there).
    """

    path: str
    text: str
    is_response: bool


class InstructionExample(BaseModel):
    """Instruction (Alpaca) view of a record.

    Attributes:
        instruction: The task.
        input: The task's input, "" when the instruction says it all.
        output: The expected response.
        lost_context: What the conversion dropped or flattened; empty when nothing was lost.
    """

    instruction: str
    input: str = ""
    output: str
    lost_context: list[str] = Field(default_factory=list)


@dataclass(frozen=True)
class CheckResult(Generic[R]):
    """Outcome of :meth:`DataType.check`: the normalised record (if it parsed) and every failed check."""

    record: R | None
    reasons: list[str]

    @property
    def ok(self) -> bool:
        """True when the record parsed and passed every check."""
        return self.record is not None and not self.reasons


class DataType(ABC, Generic[R]):
    """One kind of training example (``qa``, ``classification``, ...).

    Subclasses set the class attributes and implement the abstract methods; everything else is shared.
    """

    name: ClassVar[str]
    title: ClassVar[str]
    description: ClassVar[str]
    record_model: type[R]

    def json_schema(self, *, strict: bool = False) -> dict[str, Any]:
        """Return the JSON schema of the record for constrained decoding.

        Args:
            strict: Make every property required and drop defaults, as strict structured-output
                modes expect; optional fields stay nullable.
        """
        key = (self.record_model, strict)
        if key not in _SCHEMAS:  # generating it costs more than the rest of a pipeline request
            schema = self.record_model.model_json_schema()
            _SCHEMAS[key] = _strictify(copy.deepcopy(schema)) if strict else schema
        return copy.deepcopy(_SCHEMAS[key])  # callers may change theirs

    def parse(self, data: R | Mapping[str, Any] | str) -> R:
        """Build a record from a model instance, a mapping or JSON text (fences and prose tolerated).

        Raises:
            RecordParseError: The data is not a valid record; ``reasons`` lists why.
        """
        if isinstance(data, self.record_model):
            return data
        if isinstance(data, str):
            extraction = extract_json_object(data)
            if extraction.value is None:
                raise RecordParseError([extraction.error or "no JSON object in output"])
            data = extraction.value
        try:
            return self.record_model.model_validate(data)
        except ValidationError as exc:
            raise RecordParseError(_pydantic_reasons(exc)) from None

    def check(
        self, data: R | Mapping[str, Any] | str, context: ValidationContext = DEFAULT_CONTEXT
    ) -> CheckResult[R]:
        """Parse, normalise and validate in one go; never raises for bad data."""
        try:
            record = self.normalize(self.parse(data), context)
        except RecordParseError as exc:
            return CheckResult(None, exc.reasons)
        return CheckResult(record, self.validate(record, context))

    def normalize(self, record: R, context: ValidationContext = DEFAULT_CONTEXT) -> R:
        """Return a cleaned copy of the record (whitespace, aliases, fixable mistakes). Default: unchanged."""
        return record

    def validate(self, record: R, context: ValidationContext = DEFAULT_CONTEXT) -> list[str]:
        """Return the reasons the record is unusable; an empty list means it passed."""
        reasons = _text_reasons(self.text_fields(record), context)
        return reasons + self._check(record, context)

    @abstractmethod
    def text_fields(self, record: R) -> list[TextField]:
        """Return the record's texts for the shared checks (non-empty, length, refusal, placeholder)."""

    @abstractmethod
    def _check(self, record: R, context: ValidationContext) -> list[str]:
        """Return the reasons specific to this data type."""

    @abstractmethod
    def to_messages(
        self, record: R, *, system: str | None = None, instruction: str | None = None
    ) -> list[Message]:
        """Return the canonical chat ``messages`` list.

        Args:
            record: The record.
            system: System prompt to put first, if any.
            instruction: Replaces the data type's default task wording in the user turn, if any.
        """

    @abstractmethod
    def to_instruction(self, record: R, *, instruction: str | None = None) -> InstructionExample:
        """Return the instruction (Alpaca) view; ``lost_context`` says what the view cannot hold."""

    @abstractmethod
    def example(self) -> R:
        """Return a small valid record, used as the output-format example in prompts."""

    def prompt_info(self) -> dict[str, Any]:
        """Return what prompt templates need to know about this data type."""
        return {
            "name": self.name,
            "title": self.title,
            "description": self.description,
            "schema_json": json.dumps(self.json_schema(), ensure_ascii=False, indent=2),
            "example_json": self.example().model_dump_json(indent=2, exclude_none=True),
            # A task spec's (``distillation.taskspec``): its name and version, policy and rubric.
            "spec": None,
            "task_policy": None,
            "rubric": [],
        }

    def dump(self, record: R) -> dict[str, Any]:
        """Return the record as a JSON-ready dict (optional fields left out when empty)."""
        return record.model_dump(mode="json", exclude_none=True)


class RecordParseError(ValueError):
    """Data that does not form a record; ``reasons`` says why, one line per problem."""

    def __init__(self, reasons: list[str]) -> None:
        self.reasons = reasons
        super().__init__("; ".join(reasons))


def with_system(system: str | None, messages: list[Message]) -> list[Message]:
    """Prefix ``messages`` with a system message when ``system`` is non-empty."""
    return ([{"role": "system", "content": system}] if system else []) + messages


def _text_reasons(fields: list[TextField], context: ValidationContext) -> list[str]:
    reasons = []
    for item in fields:
        length = len(item.text.strip())
        if length == 0:
            reasons.append(f"{item.path} is empty")
            continue
        if length < context.min_chars:
            reasons.append(f"{item.path} is shorter than {context.min_chars} characters ({length})")
        if length > context.max_chars:
            reasons.append(f"{item.path} is longer than {context.max_chars} characters ({length})")
        if item.is_response and context.check_refusals and _REFUSAL.search(item.text):
            reasons.append(f"{item.path} is a refusal or mentions being an AI model")
        if _PLACEHOLDER.search(item.text):
            reasons.append(f"{item.path} contains an unfilled placeholder")
    return reasons


def _pydantic_reasons(exc: ValidationError) -> list[str]:
    reasons = []
    for error in exc.errors(include_url=False):
        path = ".".join(str(part) for part in error["loc"]) or "record"
        reasons.append(f"{path}: {error['msg']}")
    return reasons


def _strictify(schema: Any) -> Any:
    """Apply strict structured-output rules to a schema node and every sub-schema below it."""
    if not isinstance(schema, dict):
        return schema
    schema.pop("default", None)
    properties = schema.get("properties")
    if isinstance(properties, dict):
        schema["required"] = list(properties)
        schema["additionalProperties"] = False
        for sub in properties.values():
            _strictify(sub)
    for key in ("items", "additionalProperties"):
        _strictify(schema.get(key))
    for key in ("anyOf", "oneOf", "allOf", "prefixItems"):
        for sub in schema.get(key) or []:
            _strictify(sub)
    for sub in (schema.get("$defs") or {}).values():
        _strictify(sub)
    return schema
