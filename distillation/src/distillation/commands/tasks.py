"""``distillery task list / show / validate``: the built-in task specs and the user's spec files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from rich.console import Console

from distillation.commands.render import fail, plain
from distillation.taskspec import (
    TaskSpec,
    TaskSpecError,
    builtin_spec,
    builtin_specs,
    load_task_spec,
    template_problems,
)


def list_command() -> int:
    """Print each built-in spec: name, version and title."""
    console = Console()
    for spec in builtin_specs():
        plain(console, f"{spec.name}  v{spec.version}  {spec.display_title}: {spec.description}")
    plain(console, "show one with: distillery task show NAME (or a spec file)")
    return 0


def show_command(name_or_path: str) -> int:
    """Print a spec as YAML: a file's after its checks, or the built-in spec of that name."""
    console, errors = Console(), Console(stderr=True)
    path = Path(name_or_path)
    try:
        spec = load_task_spec(path) if path.exists() else builtin_spec(name_or_path)
    except TaskSpecError as exc:
        return fail(errors, exc)
    except KeyError as exc:  # UnknownDataTypeError: the message lists the built-in names
        return fail(errors, ValueError(f"no spec file {name_or_path!r}, and {exc}"))
    console.print(spec_yaml(spec), markup=False, highlight=False, soft_wrap=True, end="")
    return 0


def validate_command(path: Path) -> int:
    """Check a spec file and render its templates in the sandbox; print each problem, exit 1 if any."""
    console, errors = Console(), Console(stderr=True)
    try:
        spec = load_task_spec(path)
    except TaskSpecError as exc:
        return fail(errors, exc)
    problems = template_problems(spec)
    for problem in problems:
        plain(errors, f"error: {path}: {problem}")
    if problems:
        return 1
    stages = ", ".join(stage for stage, _ in spec.templates.items()) or "none (the built-in prompts)"
    plain(
        console,
        f"{path}: task spec {spec.name!r} version {spec.version} is valid "
        f"({len(spec.rubric)} rubric criteria, {len(spec.validators)} validators, templates: {stages})",
    )
    return 0


def spec_yaml(spec: TaskSpec) -> str:
    """A spec as YAML, in field order, without empty fields."""
    data: dict[str, Any] = spec.model_dump(mode="json", by_alias=True, exclude_defaults=True)
    data = {"name": spec.name, "version": spec.version, **data}
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
