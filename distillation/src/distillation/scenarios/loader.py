"""Load the scenario configuration: built-in package data, with user files and dicts merged over it."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from distillation.scenarios.models import DomainsConfig

ConfigSource = str | os.PathLike[str] | Mapping[str, Any]
"""A YAML file path, or an already-parsed mapping with the same shape as the file."""

BUILTIN_SOURCE = "<built-in domains.yaml>"

# A parameter's `values` is a distribution: patching it key by key would silently keep stale values.
_REPLACED_WHOLE = frozenset({"values"})


@dataclass(frozen=True)
class ConfigIssue:
    """One problem in the configuration.

    Attributes:
        path: Dotted path of the offending key, e.g. ``domains.billing.parameters.channel.values.email``.
        message: What is wrong with it.
        source: The file (or ``<mapping #n>``) the key most likely came from.
    """

    path: str
    message: str
    source: str | None = None

    def __str__(self) -> str:
        where = f" (in {self.source})" if self.source else ""
        return f"{self.path or '<root>'}{where}: {self.message}"


class DomainConfigError(ValueError):
    """The scenario configuration is invalid; ``issues`` names each bad key."""

    def __init__(self, issues: Sequence[ConfigIssue]) -> None:
        self.issues = list(issues)
        super().__init__(str(self))

    def __str__(self) -> str:
        lines = "\n".join(f"  - {issue}" for issue in self.issues)
        return f"invalid domain configuration:\n{lines}"


def builtin_domains_text() -> str:
    """Return the text of the built-in ``domains.yaml`` shipped as package data."""
    return resources.files("distillation").joinpath("data/domains.yaml").read_text(encoding="utf-8")


def load_domains_config(*sources: ConfigSource, builtin: bool = True) -> DomainsConfig:
    """Load, merge and validate the scenario configuration.

    Args:
        *sources: YAML files or mappings merged in order over the built-in domains; later wins.
        builtin: Start from the built-in domains (default). False uses only ``sources``.

    Returns:
        The validated configuration.

    Raises:
        DomainConfigError: A file is missing or not YAML, or a key is invalid; every issue is listed
            with its dotted path and the source it came from.

    Example:
        >>> config = load_domains_config({"domains": {"creative_writing": None}})
        >>> "creative_writing" in config.domains
        False
    """
    layers: list[tuple[str, dict[str, Any]]] = []
    if builtin:
        layers.append((BUILTIN_SOURCE, _parse_yaml(builtin_domains_text(), BUILTIN_SOURCE)))
    layers.extend(_read_source(source, number) for number, source in enumerate(sources, start=1))
    merged: dict[str, Any] = {}
    for _, layer in layers:
        merged = merge_config(merged, layer)
    try:
        return DomainsConfig.model_validate(merged)
    except ValidationError as exc:
        raise DomainConfigError(_issues_from(exc, layers)) from None


def merge_config(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Merge ``override`` over ``base`` and return a new dict.

    Mappings merge recursively, a ``values`` mapping is replaced whole, and a ``None`` value deletes
    the key.
    """
    merged = dict(base)
    for key, value in override.items():
        if value is None:
            merged.pop(key, None)
        elif (
            key not in _REPLACED_WHOLE and isinstance(value, Mapping) and isinstance(merged.get(key), Mapping)
        ):
            merged[key] = merge_config(merged[key], value)
        else:
            merged[key] = value
    return merged


def dump_domains_config(config: DomainsConfig) -> str:
    """Return the effective configuration as YAML (for display or as a starting point for edits)."""
    return yaml.safe_dump(config.model_dump(mode="json"), sort_keys=False, allow_unicode=True)


def _read_source(source: ConfigSource, number: int) -> tuple[str, dict[str, Any]]:
    if isinstance(source, Mapping):
        name = f"<mapping #{number}>"
        return name, _require_mapping(dict(source), name)
    path = Path(source)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DomainConfigError([ConfigIssue("", f"cannot read file: {exc.strerror}", str(path))]) from None
    return str(path), _parse_yaml(text, str(path))


def _parse_yaml(text: str, name: str) -> dict[str, Any]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise DomainConfigError([ConfigIssue("", f"not valid YAML: {exc}", name)]) from None
    return _require_mapping({} if data is None else data, name)


def _require_mapping(data: object, name: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise DomainConfigError([ConfigIssue("", f"expected a mapping, got {type(data).__name__}", name)])
    return data


def _issues_from(exc: ValidationError, layers: list[tuple[str, dict[str, Any]]]) -> list[ConfigIssue]:
    issues = []
    for error in exc.errors(include_url=False):
        loc = [str(part) for part in error["loc"] if part != "[key]"]
        message = error["msg"].removeprefix("Value error, ")
        issues.append(ConfigIssue(".".join(loc), message, _source_of(loc, layers)))
    return issues


def _source_of(loc: list[str], layers: list[tuple[str, dict[str, Any]]]) -> str | None:
    """Attribute a path to the latest layer that spells the longest part of it."""
    best: tuple[int, str | None] = (0, None)
    for name, layer in layers:
        depth = _matched_depth(layer, loc)
        if depth >= best[0] and depth > 0:
            best = (depth, name)
    return best[1]


def _matched_depth(layer: Mapping[str, Any], loc: list[str]) -> int:
    node: Any = layer
    for depth, key in enumerate(loc):
        if not isinstance(node, Mapping):
            return depth
        match = next((k for k in node if str(k) == key), None)
        if match is None:
            return depth
        node = node[match]
    return len(loc)
