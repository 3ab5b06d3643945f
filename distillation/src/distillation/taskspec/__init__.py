"""Task specs: a task's instruction, output JSON Schema, sandboxed prompts, policy, rubric and validators.

Example:
    >>> from distillation.taskspec import parse_task_spec, spec_datatype
    >>> spec = parse_task_spec('''
    ... name: sentiment
    ... version: 2
    ... instruction: Tell the sentiment of the review.
    ... output_schema:
    ...   type: object
    ...   properties: {sentiment: {enum: [positive, negative]}}
    ...   required: [sentiment]
    ... ''')
    >>> spec.ref.version, spec_datatype(spec).check('{"sentiment": "neutral"}').ok
    ('2', False)
"""

from distillation.taskspec.datatype import (
    BUILTIN_VERSION,
    SpecDataType,
    SpecRecord,
    builtin_spec,
    builtin_specs,
    spec_datatype,
    spec_renderer,
    template_problems,
    validator_reasons,
)
from distillation.taskspec.loading import load_task_spec, parse_task_spec
from distillation.taskspec.spec import (
    JsonSchemaValidator,
    LabelSetValidator,
    LengthValidator,
    RegexValidator,
    RubricCriterion,
    TaskRef,
    TaskSpec,
    TaskSpecError,
    TaskTemplates,
    check_json_schema,
)

__all__ = [
    "BUILTIN_VERSION",
    "JsonSchemaValidator",
    "LabelSetValidator",
    "LengthValidator",
    "RegexValidator",
    "RubricCriterion",
    "SpecDataType",
    "SpecRecord",
    "TaskRef",
    "TaskSpec",
    "TaskSpecError",
    "TaskTemplates",
    "builtin_spec",
    "builtin_specs",
    "check_json_schema",
    "load_task_spec",
    "parse_task_spec",
    "spec_datatype",
    "spec_renderer",
    "template_problems",
    "validator_reasons",
]
