"""The task spec: what a dataset trains for, its output schema, its prompts, policy, rubric and validators.

A spec is plain data (pydantic, JSON-serialisable) so a YAML file, the CLI and later the service all
hold the same thing. Its JSON Schema is checked against its meta-schema and compiled with remote
``$ref`` retrieval off; its Jinja templates render in a sandboxed environment.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Annotated, Any, Literal

import jsonschema
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from distillation.datatypes.registry import get_datatype, list_datatypes
from distillation.providers.structured import offline_validator

NAME_PATTERN = r"^[a-z0-9][a-z0-9_.-]{0,63}$"
TEMPLATE_STAGES = ("seed", "bulk", "judge")
# The built-in template each stage's spec template replaces.
STAGE_TEMPLATES = {"seed": "teacher_seed.jinja2", "bulk": "student_bulk.jinja2", "judge": "judge.jinja2"}
_REFERENCE_KEYS = ("$ref", "$dynamicRef", "$recursiveRef")


class TaskSpecError(ValueError):
    """A task spec that cannot be used; the message says where (and on which line, from a file)."""


class _Closed(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RubricCriterion(_Closed):
    """One thing the judge checks, shown to it word for word."""

    name: str = Field(min_length=1, max_length=80)
    description: str = Field(min_length=1, max_length=2_000)


class JsonSchemaValidator(_Closed):
    """The answer (or one field of it) must also match this JSON Schema."""

    type: Literal["json_schema"] = "json_schema"
    field: str = ""
    json_schema: dict[str, Any] = Field(alias="schema")

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @field_validator("json_schema")
    @classmethod
    def _compiles(cls, value: dict[str, Any]) -> dict[str, Any]:
        check_json_schema(value)
        return value


class RegexValidator(_Closed):
    """Every text at ``field`` matches ``pattern`` (searched: anchor it with ^...$ for a whole match)."""

    type: Literal["regex"] = "regex"
    field: str = ""
    pattern: str = Field(min_length=1, max_length=1_000)

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"not a valid regular expression: {exc}") from None
        return value


class LengthValidator(_Closed):
    """Every text (or list) at ``field`` has between ``min`` and ``max`` characters (items)."""

    type: Literal["length"] = "length"
    field: str = ""
    min: int | None = Field(default=None, ge=0)
    max: int | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _bounds(self) -> LengthValidator:
        if self.min is None and self.max is None:
            raise ValueError("a length validator needs min, max or both")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min ({self.min}) is greater than max ({self.max})")
        return self


class LabelSetValidator(_Closed):
    """Every value at ``field`` is one of ``labels``."""

    type: Literal["label_set"] = "label_set"
    field: str
    labels: list[str] = Field(min_length=1)


Validator = Annotated[
    JsonSchemaValidator | RegexValidator | LengthValidator | LabelSetValidator, Field(discriminator="type")
]


class TaskTemplates(_Closed):
    """Jinja templates replacing the built-in prompt of a stage (sandboxed; see ``docs/task-specs.md``).

    A template either sets ``{% set system %}`` / ``{% set user %}`` blocks, or its whole text is the
    user message. It may import the built-in ``_common.jinja2`` macros.
    """

    seed: str | None = Field(default=None, max_length=50_000)
    bulk: str | None = Field(default=None, max_length=50_000)
    judge: str | None = Field(default=None, max_length=50_000)

    def by_template(self) -> dict[str, str]:
        """The set templates under the built-in names they replace."""
        return {STAGE_TEMPLATES[stage]: text for stage, text in self.items()}

    def items(self) -> Iterator[tuple[str, str]]:
        """(stage, source) of every set template."""
        for stage in TEMPLATE_STAGES:
            text = getattr(self, stage)
            if text is not None:
                yield stage, text


class TaskRef(_Closed):
    """The spec a row was made under, as its provenance records it."""

    name: str
    version: str
    builtin: bool = False


class TaskSpec(_Closed):
    """A task: the instruction, the output schema, prompts, policy, rubric and validators.

    Attributes:
        name: Lower-case identifier (letters, digits, ``_ . -``).
        version: The spec's version; every row records it (bump it when you change the spec).
        title: Human name; the name when omitted.
        description: One sentence on what a record is (shown to the teacher and the judge).
        instruction: What the dataset trains for; the user turn of a generated row's chat view.
        output_schema: JSON Schema of one answer; the root must be an object. Only local ``$ref``
            (``#/...``) are allowed: nothing is ever fetched.
        input_fields: Fields of a generated record that form the user turn of its chat view (the
            other fields are the assistant's JSON answer). Empty: the user turn is the instruction.
        templates: Jinja templates replacing the built-in seed, bulk and judge prompts.
        policy: The task policy: rules every answer follows (teacher, student and judge see it).
        rubric: Criteria the judge checks, shown to it word for word.
        validators: Extra checks every answer must pass.
        labels: Allowed labels, for the built-in classification and NER data types.
        datatype: The built-in data type this spec describes; None for a custom spec.
    """

    name: str = Field(pattern=NAME_PATTERN)
    version: str = Field(default="1", min_length=1, max_length=40)
    title: str = ""
    description: str = Field(default="", max_length=2_000)
    instruction: str = Field(default="", max_length=20_000)
    output_schema: dict[str, Any] = Field(default_factory=dict)
    input_fields: list[str] = Field(default_factory=list)
    templates: TaskTemplates = Field(default_factory=TaskTemplates)
    policy: str = Field(default="", max_length=20_000)
    rubric: list[RubricCriterion] = Field(default_factory=list)
    validators: list[Validator] = Field(default_factory=list)
    labels: list[str] | None = None
    datatype: str | None = None

    @field_validator("version", mode="before")
    @classmethod
    def _version_text(cls, value: Any) -> Any:
        # YAML reads `version: 2` as an int and `version: 1.10` as a float: keep what was meant.
        return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value

    @field_validator("output_schema")
    @classmethod
    def _schema(cls, value: dict[str, Any]) -> dict[str, Any]:
        if value:
            check_json_schema(value)
            if value.get("type") != "object":
                raise ValueError('the root of the output schema must be {"type": "object", ...}')
        return value

    @field_validator("datatype")
    @classmethod
    def _known_datatype(cls, value: str | None) -> str | None:
        if value is not None and value not in list_datatypes():
            raise ValueError(f"unknown data type {value!r}; built-in: {', '.join(list_datatypes())}")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> TaskSpec:
        if self.datatype is not None and self.output_schema:
            if self.output_schema != get_datatype(self.datatype).json_schema():
                raise ValueError(
                    f"a spec on the built-in {self.datatype!r} type keeps its output schema: "
                    "leave output_schema out, or drop datatype for a custom schema"
                )
        if self.datatype is None and not self.output_schema:
            raise ValueError("a custom spec needs an output_schema (or a built-in datatype)")
        properties = self.output_schema.get("properties") or {}
        unknown = [name for name in self.input_fields if name not in properties]
        if unknown:
            raise ValueError(f"input_fields names fields the output schema lacks: {', '.join(unknown)}")
        return self

    @property
    def display_title(self) -> str:
        """The title, or the name when there is none."""
        return self.title or self.name

    @property
    def ref(self) -> TaskRef:
        """What provenance records of this spec."""
        return TaskRef(name=self.name, version=self.version, builtin=self.datatype is not None)

    def rubric_lines(self) -> list[dict[str, str]]:
        """The rubric as templates see it."""
        return [{"name": item.name, "description": item.description} for item in self.rubric]


def check_json_schema(schema: Mapping[str, Any]) -> None:
    """Check a user's JSON Schema: valid for its draft, and no ``$ref`` outside itself.

    Raises:
        ValueError: Why the schema is refused (a remote reference is named, never fetched).
    """
    remote = sorted({ref for ref in _references(schema) if not ref.startswith("#")})
    if remote:
        raise ValueError(
            f"the schema refers to {', '.join(repr(ref) for ref in remote)}: only references inside "
            "the schema (#/$defs/...) are allowed; remote $ref are never fetched"
        )
    cls = jsonschema.validators.validator_for(dict(schema), default=jsonschema.Draft202012Validator)
    try:
        cls.check_schema(dict(schema))
    except jsonschema.SchemaError as exc:
        where = "/".join(str(part) for part in exc.absolute_path) or "(root)"
        raise ValueError(f"not a valid JSON Schema at {where}: {exc.message}") from None
    offline_validator(dict(schema))


def _references(node: Any) -> Iterator[str]:
    if isinstance(node, Mapping):
        for key, value in node.items():
            if key in _REFERENCE_KEYS and isinstance(value, str):
                yield value
            elif key not in ("const", "enum", "default", "examples"):
                yield from _references(value)
    elif isinstance(node, list):
        for item in node:
            yield from _references(item)
