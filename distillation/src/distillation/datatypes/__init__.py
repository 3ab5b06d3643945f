"""Data types: record schemas, validators, chat/instruction views and the prompts that produce them.

Example:
    >>> from distillation.datatypes import get_datatype
    >>> qa = get_datatype("qa")
    >>> result = qa.check('{"question": "What is 2 + 2?", "answer": "4."}')
    >>> result.ok, qa.to_messages(result.record)[1]["content"]
    (True, '4.')
"""

from distillation.datatypes.base import (
    DEFAULT_CONTEXT,
    CheckResult,
    DataType,
    InstructionExample,
    Message,
    Record,
    RecordParseError,
    TextField,
    ValidationContext,
)
from distillation.datatypes.classification import ClassificationDataType, ClassificationRecord
from distillation.datatypes.code import CodeDataType, CodeRecord, syntax_error
from distillation.datatypes.generation import GenerationDataType, GenerationRecord, Turn, conversation_reasons
from distillation.datatypes.jsonish import JsonExtraction, extract_json_object
from distillation.datatypes.ner import Entity, NERDataType, NERRecord
from distillation.datatypes.policy import LengthRange, ReasoningTrace, SeedPair, TaskPolicy, seed_pair_schema
from distillation.datatypes.prompts import (
    amplify_prompt,
    amplify_trace_prompt,
    policy_extraction_prompt,
    student_bulk_prompt,
    teacher_seed_prompt,
)
from distillation.datatypes.qa import QADataType, QARecord
from distillation.datatypes.registry import (
    UnknownDataTypeError,
    get_datatype,
    list_datatypes,
    match_datatype,
    register_datatype,
    typed_record_to_chat,
)
from distillation.datatypes.templates import (
    PromptRenderer,
    PromptTemplateError,
    RenderedPrompt,
    builtin_templates,
    default_renderer,
)
from distillation.datatypes.translation import TranslationDataType, TranslationRecord

__all__ = [
    "DEFAULT_CONTEXT",
    "CheckResult",
    "ClassificationDataType",
    "ClassificationRecord",
    "CodeDataType",
    "CodeRecord",
    "DataType",
    "Entity",
    "GenerationDataType",
    "GenerationRecord",
    "InstructionExample",
    "JsonExtraction",
    "LengthRange",
    "Message",
    "NERDataType",
    "NERRecord",
    "PromptRenderer",
    "PromptTemplateError",
    "QADataType",
    "QARecord",
    "ReasoningTrace",
    "Record",
    "RecordParseError",
    "RenderedPrompt",
    "SeedPair",
    "TaskPolicy",
    "TextField",
    "TranslationDataType",
    "TranslationRecord",
    "Turn",
    "UnknownDataTypeError",
    "ValidationContext",
    "amplify_prompt",
    "amplify_trace_prompt",
    "builtin_templates",
    "conversation_reasons",
    "default_renderer",
    "extract_json_object",
    "get_datatype",
    "list_datatypes",
    "match_datatype",
    "policy_extraction_prompt",
    "register_datatype",
    "seed_pair_schema",
    "student_bulk_prompt",
    "syntax_error",
    "teacher_seed_prompt",
    "typed_record_to_chat",
]
