"""Registry of data types by name; built-ins are registered on import, users may add their own."""

from __future__ import annotations

from typing import Any

from distillation.datatypes.base import DataType
from distillation.datatypes.classification import ClassificationDataType
from distillation.datatypes.code import CodeDataType
from distillation.datatypes.generation import GenerationDataType
from distillation.datatypes.ner import NERDataType
from distillation.datatypes.qa import QADataType
from distillation.datatypes.translation import TranslationDataType

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


for _builtin in (
    QADataType(),
    ClassificationDataType(),
    GenerationDataType(),
    CodeDataType(),
    TranslationDataType(),
    NERDataType(),
):
    register_datatype(_builtin)
