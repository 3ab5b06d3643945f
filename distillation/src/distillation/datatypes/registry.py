"""Registry of data types by name; built-ins are registered on import, users may add their own."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from distillation.datatypes.base import DataType, RecordParseError
from distillation.datatypes.classification import ClassificationDataType
from distillation.datatypes.code import CodeDataType
from distillation.datatypes.generation import GenerationDataType
from distillation.datatypes.ner import NERDataType
from distillation.datatypes.qa import QADataType
from distillation.datatypes.translation import TranslationDataType
from distillation.formats.convert import ConversionError, Converted
from distillation.formats.records import validate_chat

_REGISTRY: dict[str, DataType[Any]] = {}


class UnknownDataTypeError(KeyError):
    """A data type name that nothing registered."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name

    def __str__(self) -> str:
        return f"unknown data type {self.name!r}; available: {', '.join(list_datatypes())}"


def register_datatype(datatype: DataType[Any], *, replace: bool = False) -> None:
    """Make a data type available by its ``name``.

    Args:
        datatype: The data type instance.
        replace: Allow replacing an already registered data type of the same name.

    Raises:
        ValueError: The name is taken and ``replace`` is False.
    """
    if datatype.name in _REGISTRY and not replace:
        raise ValueError(
            f"data type {datatype.name!r} is already registered; pass replace=True to override it"
        )
    _REGISTRY[datatype.name] = datatype


def get_datatype(name: str) -> DataType[Any]:
    """Return the data type registered under ``name``.

    Raises:
        UnknownDataTypeError: Nothing is registered under that name; the message lists what is.

    Example:
        >>> get_datatype("qa").to_messages(get_datatype("qa").example())[0]["role"]
        'user'
    """
    try:
        return _REGISTRY[name]
    except KeyError:
        raise UnknownDataTypeError(name) from None


def list_datatypes() -> list[str]:
    """Return the registered data type names, sorted."""
    return sorted(_REGISTRY)


def match_datatype(record: Mapping[str, Any]) -> DataType[Any] | None:
    """The data type whose record fields a record's keys are (``metadata`` aside), or ``None``.

    A record matches when it has every required field of the type and no key the type lacks; when
    several types match, the one with the most required fields wins (the most specific).
    """
    keys = {str(key) for key in record} - {"metadata"}
    best: tuple[int, DataType[Any]] | None = None
    for datatype in _REGISTRY.values():
        fields = datatype.record_model.model_fields
        required = {name for name, field in fields.items() if field.is_required()}
        if required <= keys <= set(fields) and (best is None or len(required) > best[0]):
            best = (len(required), datatype)
    return None if best is None else best[1]


def typed_record_to_chat(record: Mapping[str, Any]) -> Converted | None:
    """Convert a data type's record (``{"question", "answer"}`` for ``qa`` ...) to a chat record.

    This is the shape ``GET /data-types`` and ``DataType.json_schema`` advertise, so files of such
    records can be uploaded and read like any other view. ``metadata`` is carried over.

    Returns:
        The chat record, or ``None`` when the keys match no registered data type.

    Raises:
        ConversionError: The keys match a data type but the values do not make a valid record.

    Example:
        >>> typed_record_to_chat({"question": "2+2?", "answer": "4"}).record["messages"][1]
        {'role': 'assistant', 'content': '4'}
    """
    datatype = match_datatype(record)
    if datatype is None:
        return None
    try:
        parsed = datatype.parse({k: v for k, v in record.items() if k != "metadata"})
    except RecordParseError as exc:
        raise ConversionError(f"not a valid {datatype.name} record: {'; '.join(exc.reasons)}") from None
    out: dict[str, Any] = {"messages": datatype.to_messages(parsed)}
    metadata = record.get("metadata")
    if isinstance(metadata, Mapping):
        out["metadata"] = dict(metadata)
    return Converted(dict(validate_chat(out)))


for _builtin in (
    QADataType(),
    ClassificationDataType(),
    GenerationDataType(),
    CodeDataType(),
    TranslationDataType(),
    NERDataType(),
):
    register_datatype(_builtin)
