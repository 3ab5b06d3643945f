"""Read a task spec from YAML, naming the line of every problem."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from distillation.taskspec.spec import TaskSpec, TaskSpecError

MAX_SPEC_BYTES = 1_000_000


def load_task_spec(path: str | Path) -> TaskSpec:
    """Read a task spec from a YAML (or JSON) file.

    Raises:
        TaskSpecError: The file is missing, not YAML, or not a valid spec; the message names the file
            and the line of each problem.
    """
    path = Path(path)
    try:
        if path.stat().st_size > MAX_SPEC_BYTES:
            raise TaskSpecError(f"{path}: larger than {MAX_SPEC_BYTES:,} bytes")
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise TaskSpecError(f"{path}: cannot be read: {exc}") from None
    return parse_task_spec(text, source=str(path))


def parse_task_spec(text: str, *, source: str = "<spec>") -> TaskSpec:
    """Read a task spec from YAML text; ``source`` names it in errors.

    Raises:
        TaskSpecError: Not YAML, not a mapping, or not a valid spec (each problem with its line).
    """
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "somewhere"
        raise TaskSpecError(f"{source}, {where}: not valid YAML: {exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise TaskSpecError(f"{source}: not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise TaskSpecError(f"{source}: a task spec is a mapping (name: ..., output_schema: ...)")
    try:
        return TaskSpec.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors(include_url=False):
            loc = [part for part in error["loc"] if not _is_union_tag(part)]
            line = _line_of(node, loc) if loc else None  # a whole-spec problem has no one line
            where = ".".join(str(part) for part in loc) or "spec"
            message = str(error["msg"]).removeprefix("Value error, ")
            prefix = f"line {line}: " if line else ""
            problems.append(f"{prefix}{where}: {message}")
        raise TaskSpecError(f"{source}: " + "; ".join(problems)) from None


def _is_union_tag(part: Any) -> bool:
    # Discriminated unions put the tag ("regex", "length") in the error's location.
    return part in ("json_schema", "regex", "length", "label_set")


def _line_of(node: yaml.Node | None, loc: Sequence[Any]) -> int | None:
    """The 1-based line of the deepest node on ``loc`` that the document has."""
    if node is None:
        return None
    line = node.start_mark.line + 1
    for part in loc:
        child: yaml.Node | None = None
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode) and key.value == str(part):
                    child = value
                    line = key.start_mark.line + 1
                    break
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            child = node.value[part]
            line = child.start_mark.line + 1
        if child is None:
            return line
        node = child
    return line
