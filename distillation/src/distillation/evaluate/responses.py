"""A model's answer read back as a record of the data type: what "format validity" checks.

The prompt of a held-out row is its conversation up to the last assistant turn; the answer replaces
that turn. Each data type's response fields are rebuilt from the answer (the label of a
classification, the entity list of NER, the fenced code block of a code task...) and the other
fields come from the held-out row's record; the record then goes through the data type's own
``check`` (schema, normalisation, validators). An answer is valid when that check passes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from json_repair import repair_json

from distillation.datatypes import CheckResult, DataType, ValidationContext, get_datatype, list_datatypes

_FENCE = re.compile(r"```[\w+#.-]*[ \t]*\n(.*?)(?:\n?```|$)", re.DOTALL)
_ARRAY = re.compile(r"\[.*\]", re.DOTALL)


@dataclass(frozen=True)
class ReadAnswer:
    """An answer read as a record: the check's result, and the record dict it was built from."""

    check: CheckResult[Any]
    data: dict[str, Any] | None

    @property
    def valid(self) -> bool:
        """True when the answer formed a record that passed every check."""
        return self.check.ok


def infer_datatype(record: Mapping[str, Any]) -> str | None:
    """The registered data type whose schema ``record`` fits, if exactly one does."""
    fits = []
    for name in list_datatypes():
        try:
            get_datatype(name).parse(dict(record))
        except ValueError:
            continue
        fits.append(name)
    return fits[0] if len(fits) == 1 else None


def read_answer(datatype: DataType[Any], reference: Mapping[str, Any], answer: str) -> ReadAnswer:
    """Rebuild the record with ``answer`` in place of the reference's response and check it."""
    data = _with_answer(datatype.name, dict(reference), answer)
    if data is None:
        return ReadAnswer(CheckResult(None, [f"a {datatype.name} answer could not be read"]), None)
    labels = reference.get("labels") if datatype.name == "classification" else None
    return ReadAnswer(datatype.check(data, ValidationContext(labels=labels)), data)


def response_text(datatype_name: str, record: Mapping[str, Any]) -> str:
    """The part of a record a model writes (what exact match and ROUGE-L compare)."""
    if datatype_name == "qa":
        return str(record["answer"])
    if datatype_name == "classification":
        return str(record["label"])
    if datatype_name == "translation":
        return str(record["target"])
    if datatype_name == "code":
        return str(record["code"])
    if datatype_name == "generation":
        return str(record["turns"][-1]["content"])
    if datatype_name == "ner":
        return json.dumps(record["entities"], ensure_ascii=False, sort_keys=True)
    raise ValueError(f"no response field known for data type {datatype_name!r}")


def _with_answer(name: str, reference: dict[str, Any], answer: str) -> dict[str, Any] | None:
    if name == "qa":
        return {**reference, "answer": answer}
    if name == "classification":
        return {**reference, "label": answer.strip().strip(".").strip()}
    if name == "translation":
        return {**reference, "target": answer}
    if name == "generation":
        turns = list(reference["turns"])[:-1]
        return {"turns": [*turns, {"role": "assistant", "content": answer}]}
    if name == "code":
        return _code(reference, answer)
    if name == "ner":
        entities = _entity_list(answer)
        return None if entities is None else {"text": reference["text"], "entities": entities}
    return None


def _code(reference: dict[str, Any], answer: str) -> dict[str, Any]:
    fenced = _FENCE.search(answer)
    if fenced is None:
        return {**reference, "code": answer, "explanation": None}
    explanation = (answer[: fenced.start()] + answer[fenced.end() :]).strip() or None
    return {**reference, "code": fenced.group(1), "explanation": explanation}


def _entity_list(answer: str) -> list[Any] | None:
    found = _ARRAY.search(answer)
    if found is None:
        return None
    try:
        value = json.loads(found.group(0))
    except json.JSONDecodeError:
        value = json.loads(repair_json(found.group(0)) or "null")
    return value if isinstance(value, list) else None
