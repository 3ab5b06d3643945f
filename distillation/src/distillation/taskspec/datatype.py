"""A task spec as a data type (what the pipeline runs), built-in data types as specs, and spec prompts."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

from pydantic import BaseModel, RootModel

from distillation.datatypes.base import (
    DEFAULT_CONTEXT,
    DataType,
    InstructionExample,
    Message,
    RecordParseError,
    TextField,
    ValidationContext,
    with_system,
)
from distillation.datatypes.jsonish import extract_json_object
from distillation.datatypes.registry import get_datatype, list_datatypes
from distillation.datatypes.templates import PromptRenderer, PromptTemplateError
from distillation.providers.structured import schema_error
from distillation.taskspec.spec import (
    STAGE_TEMPLATES,
    JsonSchemaValidator,
    LabelSetValidator,
    LengthValidator,
    RegexValidator,
    TaskRef,
    TaskSpec,
    Validator,
)

BUILTIN_VERSION = "1"
"""The version of every built-in spec (bumped when a built-in data type's record or prompts change)."""

_DEFAULT_INSTRUCTIONS = {
    "qa": "Answer the question.",
    "classification": "Classify the following text.",
    "generation": "Continue the conversation as the assistant.",
    "code": "Write code that solves the task.",
    "translation": "Translate the text.",
    "ner": "List the named entities in the text.",
}


class SpecRecord(RootModel[dict[str, Any]]):
    """One answer of a custom spec: the JSON object its output schema describes."""


class SpecDataType(DataType[BaseModel]):
    """A data type made from a :class:`TaskSpec`.

    A spec on a built-in data type keeps that type's record, checks and chat view, and adds the spec's
    policy, rubric and validators. A custom spec's record is any object its output schema accepts.
    Build one with :func:`spec_datatype`.
    """

    name = "spec"
    title = "Task spec"
    description = "An answer that matches the task spec's output schema."
    record_model: type[BaseModel] = SpecRecord

    def __init__(self, spec: TaskSpec) -> None:
        self.spec = spec
        self.base: DataType[Any] | None = get_datatype(spec.datatype) if spec.datatype else None
        if self.base is not None:
            self.record_model = self.base.record_model

    @property
    def ref(self) -> TaskRef:
        """The spec's name and version, for provenance."""
        return self.spec.ref

    def json_schema(self, *, strict: bool = False) -> dict[str, Any]:
        """The output schema (the built-in type's when the spec is built on one)."""
        if self.base is not None:
            return self.base.json_schema(strict=strict)
        return copy.deepcopy(self.spec.output_schema)

    def parse(self, data: BaseModel | Mapping[str, Any] | str) -> BaseModel:
        """A record from a model instance, a mapping or JSON text; a custom spec's must match its schema."""
        if self.base is not None:
            parsed: BaseModel = self.base.parse(data)
            return parsed
        if isinstance(data, SpecRecord):
            value: Any = data.root
        elif isinstance(data, BaseModel):
            value = data.model_dump(mode="json")
        elif isinstance(data, str):
            extraction = extract_json_object(data)
            if extraction.value is None:
                raise RecordParseError([extraction.error or "no JSON object in output"])
            value = extraction.value
        else:
            value = dict(data)
        problem = schema_error(value, self.spec.output_schema)
        if problem is not None:
            raise RecordParseError([f"does not match the output schema {problem}"])
        return SpecRecord(value)

    def normalize(self, record: BaseModel, context: ValidationContext = DEFAULT_CONTEXT) -> BaseModel:
        """The built-in type's normalisation; a custom record is kept as the model wrote it."""
        return self.base.normalize(record, context) if self.base is not None else record

    def validate(self, record: BaseModel, context: ValidationContext = DEFAULT_CONTEXT) -> list[str]:
        """The built-in type's checks (or the shared text checks), then the spec's validators."""
        if self.base is not None:
            reasons = self.base.validate(record, context)
        else:
            reasons = super().validate(record, context)
        return reasons + validator_reasons(self.spec.validators, self.dump(record))

    def text_fields(self, record: BaseModel) -> list[TextField]:
        """Every string in the record; the input fields are the prompt's side, the rest the response."""
        if self.base is not None:
            return self.base.text_fields(record)
        inputs = set(self.spec.input_fields)
        return [
            TextField(path, text, path.split(".", 1)[0].split("[", 1)[0] not in inputs)
            for path, text in _strings(self.dump(record), "")
        ]

    def _check(self, record: BaseModel, context: ValidationContext) -> list[str]:
        return []  # the schema was checked by parse; validate() adds the spec's validators

    def to_messages(
        self, record: BaseModel, *, system: str | None = None, instruction: str | None = None
    ) -> list[Message]:
        """User: the instruction and the input fields; assistant: the other fields as JSON."""
        if self.base is not None:
            return self.base.to_messages(record, system=system, instruction=instruction)
        user, answer = self._split(record, instruction)
        return with_system(
            system, [{"role": "user", "content": user}, {"role": "assistant", "content": answer}]
        )

    def to_instruction(self, record: BaseModel, *, instruction: str | None = None) -> InstructionExample:
        """Instruction: the spec's instruction; input: the input fields; output: the answer's JSON."""
        if self.base is not None:
            return self.base.to_instruction(record, instruction=instruction)
        value = self.dump(record)
        inputs = {name: value[name] for name in self.spec.input_fields if name in value}
        answer = {name: item for name, item in value.items() if name not in inputs}
        return InstructionExample(
            instruction=instruction or self._instruction(),
            input=_input_text(inputs),
            output=json.dumps(answer, ensure_ascii=False),
        )

    def example(self) -> BaseModel:
        """The built-in type's example; a custom spec has none (an empty record)."""
        return self.base.example() if self.base is not None else SpecRecord({})

    def prompt_info(self) -> dict[str, Any]:
        """What templates see: the data type, the spec's name, version, policy and rubric."""
        if self.base is not None:
            info = self.base.prompt_info()
        else:
            info = {
                "name": self.spec.name,
                "title": self.spec.display_title,
                "description": self.spec.description or self.description,
                "schema_json": json.dumps(self.spec.output_schema, ensure_ascii=False, indent=2),
                "example_json": None,
            }
        info.update(
            spec={"name": self.spec.name, "version": self.spec.version},
            task_policy=self.spec.policy or None,
            rubric=self.spec.rubric_lines(),
        )
        return info

    def dump(self, record: BaseModel) -> dict[str, Any]:
        """The record as a JSON-ready dict (a custom record exactly as the schema accepted it)."""
        if isinstance(record, SpecRecord):
            return copy.deepcopy(record.root)
        return self.base.dump(record) if self.base is not None else record.model_dump(mode="json")

    def _instruction(self) -> str:
        return self.spec.instruction or self.spec.description or self.spec.display_title

    def _split(self, record: BaseModel, instruction: str | None) -> tuple[str, str]:
        value = self.dump(record)
        inputs = {name: value[name] for name in self.spec.input_fields if name in value}
        answer = {name: item for name, item in value.items() if name not in inputs}
        task = instruction or self._instruction()
        user = f"{task}\n\n{_input_text(inputs)}" if inputs else task
        return user, json.dumps(answer, ensure_ascii=False)


def spec_datatype(spec: TaskSpec) -> SpecDataType:
    """The data type the pipeline runs for ``spec`` (its ``name`` is the spec's)."""
    cls = type(
        "SpecDataType",
        (SpecDataType,),
        {
            "name": spec.datatype or spec.name,
            "title": spec.display_title,
            "description": spec.description or SpecDataType.description,
        },
    )
    instance: SpecDataType = cls(spec)
    return instance


def builtin_spec(name: str) -> TaskSpec:
    """The built-in data type ``name`` as a task spec (version :data:`BUILTIN_VERSION`).

    Raises:
        UnknownDataTypeError: No data type is registered under ``name``.
    """
    datatype = get_datatype(name)
    return TaskSpec(
        name=datatype.name,
        version=BUILTIN_VERSION,
        title=datatype.title,
        description=datatype.description,
        instruction=_DEFAULT_INSTRUCTIONS.get(datatype.name, datatype.description),
        output_schema=datatype.json_schema(),
        datatype=datatype.name,
    )


def builtin_specs() -> list[TaskSpec]:
    """Every registered data type as a spec, by name."""
    return [builtin_spec(name) for name in list_datatypes()]


def spec_renderer(spec: TaskSpec, base: PromptRenderer | None = None) -> PromptRenderer:
    """A sandboxed renderer with the spec's templates over ``base``'s search paths and the built-ins."""
    return PromptRenderer(
        search_paths=base.search_paths if base is not None else (),
        templates=spec.templates.by_template(),
        sandboxed=True,
    )


def validator_reasons(validators: list[Validator], value: Any) -> list[str]:
    """Why ``value`` fails the spec's validators; empty when it passes them all."""
    reasons: list[str] = []
    for validator in validators:
        found = list(_at(value, validator.field))
        label = validator.field or "the answer"
        if not found and validator.field:
            reasons.append(f"{label} is missing")
            continue
        for where, item in found:
            reasons += _reasons(validator, where or label, item)
    return reasons


def _reasons(validator: Validator, where: str, item: Any) -> list[str]:
    if isinstance(validator, JsonSchemaValidator):
        problem = schema_error(item, validator.json_schema)
        return [] if problem is None else [f"{where} fails its schema {problem}"]
    if isinstance(validator, RegexValidator):
        text = item if isinstance(item, str) else json.dumps(item, ensure_ascii=False)
        if re.search(validator.pattern, text) is None:
            return [f"{where} does not match /{validator.pattern}/"]
        return []
    if isinstance(validator, LengthValidator):
        size = len(item) if isinstance(item, str | list | dict) else len(json.dumps(item))
        unit = "items" if isinstance(item, list | dict) else "characters"
        if validator.min is not None and size < validator.min:
            return [f"{where} is shorter than {validator.min} {unit} ({size})"]
        if validator.max is not None and size > validator.max:
            return [f"{where} is longer than {validator.max} {unit} ({size})"]
        return []
    assert isinstance(validator, LabelSetValidator)
    items = item if isinstance(item, list) else [item]
    wrong = [str(value) for value in items if value not in validator.labels]
    if wrong:
        return [f"{where} has {', '.join(repr(w) for w in wrong)}, not one of: {', '.join(validator.labels)}"]
    return []


def _at(value: Any, path: str) -> Iterator[tuple[str, Any]]:
    """The values at a dotted path; a list on the way is entered item by item (``items.name``)."""
    if not path:
        yield "", value
        return
    head, _, rest = path.partition(".")
    if isinstance(value, list):
        for position, item in enumerate(value):
            for where, found in _at(item, path):
                yield f"[{position}]{'.' if where and not where.startswith('[') else ''}{where}", found
        return
    if isinstance(value, Mapping) and head in value:
        for where, found in _at(value[head], rest):
            yield head + ("" if not where else where if where.startswith("[") else "." + where), found


def _strings(value: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield path or "answer", value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from _strings(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for position, item in enumerate(value):
            yield from _strings(item, f"{path}[{position}]")


def _input_text(inputs: Mapping[str, Any]) -> str:
    def text(item: Any) -> str:
        return item if isinstance(item, str) else json.dumps(item, ensure_ascii=False)

    if len(inputs) == 1:
        return text(next(iter(inputs.values())))
    return "\n".join(f"{name}: {text(item)}" for name, item in inputs.items())


def template_problems(spec: TaskSpec) -> list[str]:
    """Render each of the spec's templates once, in the sandbox, with sample values; what went wrong.

    A template that reads an unknown variable or touches an unsafe attribute fails here, before any
    request is paid for.
    """
    from distillation.datatypes.policy import LengthRange, TaskPolicy
    from distillation.quality.judge import CRITERIA, judge_schema
    from distillation.scenarios import ScenarioSampler, load_domains_config

    datatype = spec_datatype(spec)
    renderer = spec_renderer(spec)
    scenario = ScenarioSampler(load_domains_config(), seed=0).draw(0)
    info = datatype.prompt_info()
    info["fields"] = list(datatype.json_schema().get("properties", {}))
    policy = TaskPolicy(
        task=spec.instruction or "the task",
        input_format="text",
        output_format="JSON",
        reasoning_style="direct",
        constraints=[],
        input_length=LengthRange(min_words=1, max_words=50),
        output_length=LengthRange(min_words=1, max_words=50),
    )
    messages = [{"role": "user", "content": "A sample prompt."}, {"role": "assistant", "content": "{}"}]
    contexts: dict[str, dict[str, Any]] = {
        "seed": {"datatype": info, "scenario": scenario.model_dump(), "instruction": spec.instruction},
        "bulk": {
            "datatype": info,
            "scenario": scenario.model_dump(),
            "instruction": spec.instruction,
            "policy": policy.model_dump(),
            "exemplars": [],
            "exemplar_outlines": [],
        },
        "judge": {
            "datatype": info,
            "record": {},
            "messages": messages,
            "instruction": spec.instruction,
            "criteria": [{"name": c.name, "description": c.description} for c in CRITERIA],
            "schema_json": json.dumps(judge_schema()),
        },
    }
    problems = []
    for stage, _ in spec.templates.items():
        context = {"labels": spec.labels, **contexts[stage]}
        try:
            renderer.render(STAGE_TEMPLATES[stage], **context)
        except PromptTemplateError as exc:
            problems.append(f"templates.{stage}: {exc}")
    return problems
