"""Structured output: schema resolution, validation, json-repair and re-ask prompts.

Native JSON-schema modes do most of the work; this module is the safety net behind them. An answer
is parsed as JSON (strictly first, then with json-repair), validated against the JSON schema and,
when given, the pydantic model. A failure becomes a re-ask that shows the model its own answer and
the validation error.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import jsonschema
import jsonschema_rs
import orjson
import referencing
import referencing.exceptions
from pydantic import BaseModel, ValidationError

from distillation.providers.types import ChatRequest, Completion, JsonSchema, Message

_NO_VALUE = object()


@dataclass(frozen=True, slots=True)
class Parsed:
    """The result of checking one answer: a value, or the reason it was rejected."""

    value: Any = None
    error: str | None = None
    repaired: bool = False

    @property
    def ok(self) -> bool:
        """Whether the answer is usable."""
        return self.error is None


def resolve_schema(request: ChatRequest, output_type: type[BaseModel] | None) -> ChatRequest:
    """Fills `response_schema` from the pydantic model when only the model was given."""
    if output_type is None or request.response_schema is not None:
        return request
    return request.model_copy(
        update={"response_schema": output_type.model_json_schema(), "schema_name": output_type.__name__[:64]}
    )


def check_answer(completion: Completion, schema: JsonSchema, output_type: type[BaseModel] | None) -> Parsed:
    """Parses and validates one answer against `schema` (and `output_type`, when given)."""
    value, repaired = _load(completion)
    if value is _NO_VALUE:
        return Parsed(error="the answer is not JSON and could not be repaired", repaired=repaired)
    problem = schema_error(value, schema)
    if problem is None and output_type is not None:
        problem = _model_error(value, output_type)
    return Parsed(value=value, error=problem, repaired=repaired)


def schema_error(value: Any, schema: JsonSchema) -> str | None:
    """Returns the first validation error of `value` against `schema`, or None.

    Valid answers, nearly all of them, are accepted by the compiled `jsonschema_rs` validator (about a
    hundred times faster than `jsonschema`); only an answer it rejects goes to `jsonschema`, which
    decides and words the error, so a rejection and its message never depend on the fast check.
    """
    schema_json = orjson.dumps(schema, option=orjson.OPT_SORT_KEYS).decode()
    fast = _fast_validator(schema_json)
    if fast is not None and fast.is_valid(value):
        return None
    validator = _validator(schema_json)
    try:
        error = jsonschema.exceptions.best_match(validator.iter_errors(value))
    except referencing.exceptions.Unresolvable as exc:
        return f"the schema cannot be checked: {_remote_reason(exc)}"
    if error is None:
        return None
    where = "/".join(str(p) for p in error.absolute_path) or "(root)"
    return f"at {where}: {error.message}"


def reask(request: ChatRequest, answer: str, error: str) -> ChatRequest:
    """Appends the rejected answer and the validation error, asking for a corrected answer."""
    feedback = (
        f"Your previous answer was rejected: {error}. Reply again with only a JSON value "
        "that matches the required schema, with no other text."
    )
    messages = (
        *request.messages,
        Message(role="assistant", content=answer),
        Message(role="user", content=feedback),
    )
    return request.model_copy(update={"messages": messages})


def with_schema_instruction(request: ChatRequest) -> ChatRequest:
    """Adds the schema to the system prompt, for providers without a native JSON-schema mode."""
    if request.response_schema is None:
        return request
    schema_text = orjson.dumps(request.response_schema).decode()
    instruction = (
        "Answer with only a JSON value, no prose and no code fences, "
        f"matching this JSON schema: {schema_text}"
    )
    messages = (Message(role="system", content=instruction), *request.messages)
    return request.model_copy(update={"messages": messages})


def _load(completion: Completion) -> tuple[Any, bool]:
    if completion.data is not None:
        return completion.data, False
    try:
        return orjson.loads(completion.text), False
    except orjson.JSONDecodeError:
        pass
    import json_repair  # lazy: only malformed answers pay its import

    repaired = json_repair.loads(completion.text)
    # json-repair answers "" (or an empty container) when nothing JSON-like was found.
    if repaired in ("", None) or (repaired in ({}, []) and completion.text.strip() not in ("{}", "[]")):
        return _NO_VALUE, True
    return repaired, True


def _model_error(value: Any, output_type: type[BaseModel]) -> str | None:
    try:
        output_type.model_validate(value)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = "/".join(str(p) for p in first["loc"]) or "(root)"
        return f"at {where}: {first['msg']}"
    return None


class RemoteReferenceError(ValueError):
    """A schema refers to a document outside itself (a remote or relative ``$ref``): never fetched."""


def _refuse_retrieval(uri: str) -> referencing.Resource[Any]:
    raise RemoteReferenceError(
        f"the schema refers to {uri!r}, which is not fetched: put the definition under $defs "
        "and refer to it as #/$defs/..."
    )


# `retrieve` is the attrs alias of the private `_retrieve` field, which mypy's attrs plugin does not see.
OFFLINE_REGISTRY: referencing.Registry[Any] = referencing.Registry(retrieve=_refuse_retrieval)  # type: ignore[call-arg]
"""A registry that refuses to retrieve any resource: `jsonschema` would otherwise fetch remote `$ref`s."""


def offline_validator(schema: JsonSchema) -> jsonschema.protocols.Validator:
    """A `jsonschema` validator of `schema` (the draft its `$schema` names, else 2020-12) that never
    fetches a `$ref` over the network: resolving one outside the schema raises `Unresolvable`.
    """
    cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    validator: jsonschema.protocols.Validator = cls(schema, registry=OFFLINE_REGISTRY)
    return validator


def _remote_reason(exc: BaseException) -> str:
    """The refusal behind an unresolvable reference, else the error itself."""
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, RemoteReferenceError):
            return str(cause)
        cause = cause.__cause__ or cause.__context__
    return str(exc)


@lru_cache(maxsize=256)
def _validator(schema_json: str) -> jsonschema.protocols.Validator:
    return offline_validator(orjson.loads(schema_json))


@lru_cache(maxsize=256)
def _fast_validator(schema_json: str) -> jsonschema_rs.Validator | None:
    """The compiled validator of a schema, or None for one it cannot compile (`jsonschema` then checks).

    Like `_validator`: the draft its `$schema` names (else 2020-12), formats not asserted, and no
    `$ref` fetched from the network.
    """
    try:
        return jsonschema_rs.validator_for(orjson.loads(schema_json), validate_formats=False, offline=True)
    except (ValueError, jsonschema_rs.ReferencingError):
        return None
