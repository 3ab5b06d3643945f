"""Render prompt templates (Jinja, shipped as package data) into chat messages plus a stable hash."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from importlib import resources
from typing import Any

import jinja2
import jinja2.sandbox
from jinja2 import meta
from pydantic import BaseModel, ConfigDict

PROMPT_PACKAGE_DIR = "prompts"
SUFFIX = ".jinja2"
MESSAGE_ROLES = ("system", "user", "assistant")


class RenderedPrompt(BaseModel):
    """A rendered prompt.

    Attributes:
        template: Template name, e.g. ``teacher_seed.jinja2``.
        template_hash: sha256 of the template source and of every template it imports (part of the
            request fingerprint, so editing a prompt invalidates cached responses).
        messages: Chat messages, in role order system, user, assistant (empty ones left out).
    """

    model_config = ConfigDict(frozen=True)

    template: str
    template_hash: str
    messages: list[dict[str, str]]


class PromptTemplateError(ValueError):
    """A template is missing, references an unknown variable, or cannot be hashed."""


class PromptRenderer:
    """Load and render prompt templates.

    A template defines its messages with ``{% set system %}...{% endset %}`` and
    ``{% set user %}...{% endset %}`` (optionally ``assistant``). Variables are strict: a missing one
    is an error, never an empty string.

    Args:
        search_paths: Directories searched before the built-in templates, so a file there with a
            built-in name (``judge.jinja2``) overrides it.
        templates: Template sources by name, searched before ``search_paths`` (a task spec's).
        sandboxed: Render in Jinja's sandbox (for templates users write: no access to unsafe
            attributes such as ``__class__``; such a template fails with ``PromptTemplateError``).
            A template that sets no ``user`` block then sends its whole text as the user message.

    Example:
        >>> renderer = PromptRenderer()
        >>> len(renderer.template_hash("judge"))
        64
    """

    def __init__(
        self,
        search_paths: Sequence[str | os.PathLike[str]] = (),
        *,
        templates: Mapping[str, str] | None = None,
        sandboxed: bool = False,
    ) -> None:
        self.search_paths = tuple(search_paths)
        self.sandboxed = sandboxed
        loaders: list[jinja2.BaseLoader] = []
        if templates:
            loaders.append(jinja2.DictLoader(dict(templates)))
        if search_paths:
            loaders.append(jinja2.FileSystemLoader([os.fspath(path) for path in search_paths]))
        loaders.append(jinja2.FunctionLoader(_load_builtin))
        self._loader = jinja2.ChoiceLoader(loaders)
        # Prompts are plain text sent to a model, not HTML: escaping would corrupt code and quotes.
        environment = jinja2.sandbox.SandboxedEnvironment if sandboxed else jinja2.Environment
        self.env = environment(
            loader=self._loader,
            undefined=jinja2.StrictUndefined,
            autoescape=False,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.filters["to_json"] = to_json
        # name -> (hash, up-to-date checks of every file hashed): rendering must not re-read and
        # re-parse the templates for every request (it was most of the pipeline's CPU per row).
        self._hashes: dict[str, tuple[str, list[Callable[[], bool]]]] = {}

    def render(self, name: str, **context: Any) -> RenderedPrompt:
        """Render a template into chat messages.

        Args:
            name: Template name, with or without the ``.jinja2`` suffix.
            **context: Template variables.

        Raises:
            PromptTemplateError: Unknown template, missing variable, or no user message.
        """
        name = template_name(name)
        template = self._template(name)
        try:
            module = template.make_module(context)
        except jinja2.exceptions.SecurityError as exc:
            raise PromptTemplateError(f"{name}: refused by the template sandbox: {exc.message}") from None
        except jinja2.TemplateError as exc:
            raise PromptTemplateError(f"{name}: {exc.message}") from None
        texts = {role: str(getattr(module, role, "")).strip() for role in MESSAGE_ROLES}
        if self.sandboxed and not texts["user"]:
            texts["user"] = str(module).strip()
        messages = [{"role": role, "content": text} for role, text in texts.items() if text]
        if not any(message["role"] == "user" for message in messages):
            raise PromptTemplateError(f"{name}: renders no user message ({{% set user %}} block)")
        return RenderedPrompt(template=name, template_hash=self.template_hash(name), messages=messages)

    def source(self, name: str) -> str:
        """Return a template's source text (after user overrides)."""
        return self._source(template_name(name))[0]

    def _source(self, name: str) -> tuple[str, Callable[[], bool]]:
        try:
            text, _, uptodate = self._loader.get_source(self.env, name)
        except jinja2.TemplateNotFound:
            raise PromptTemplateError(f"unknown prompt template {name!r}") from None
        return text, uptodate or _always_current

    def template_hash(self, name: str) -> str:
        """Return the sha256 of a template and of the templates it imports or includes.

        The template's own source is hashed first, then each dependency as ``\\0name\\0source`` in
        name order, so a template without imports hashes to ``sha256(source)``.

        Raises:
            PromptTemplateError: The template references another by a computed name, which no hash
                could cover.
        """
        root = template_name(name)
        cached = self._hashes.get(root)
        if cached is not None and all(uptodate() for uptodate in cached[1]):
            return cached[0]
        sources, checks = self._closure(root)
        digest = hashlib.sha256(sources.pop(root).encode())
        for dependency in sorted(sources):
            digest.update(b"\0" + dependency.encode() + b"\0" + sources[dependency].encode())
        self._hashes[root] = (digest.hexdigest(), checks)
        return self._hashes[root][0]

    def _closure(self, root: str) -> tuple[dict[str, str], list[Callable[[], bool]]]:
        sources: dict[str, str] = {}
        checks: list[Callable[[], bool]] = []
        pending = [root]
        while pending:
            current = pending.pop()
            if current in sources:
                continue
            sources[current], uptodate = self._source(current)
            checks.append(uptodate)
            for reference in meta.find_referenced_templates(self.env.parse(sources[current])):
                if reference is None:
                    raise PromptTemplateError(f"{current}: imports a template by a computed name")
                pending.append(reference)
        return sources, checks

    def _template(self, name: str) -> jinja2.Template:
        try:
            return self.env.get_template(name)
        except jinja2.TemplateNotFound as exc:
            raise PromptTemplateError(f"unknown prompt template {exc.name!r}") from None
        except jinja2.TemplateSyntaxError as exc:
            raise PromptTemplateError(f"{name}, line {exc.lineno}: {exc.message}") from None


def template_name(name: str) -> str:
    """Return the file name of a template (``judge`` → ``judge.jinja2``)."""
    return name if name.endswith(SUFFIX) else name + SUFFIX


def to_json(value: Any) -> str:
    """Jinja filter: pretty JSON, not HTML-escaped (Jinja's ``tojson`` escapes ``<``, ``&`` and quotes)."""
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json", exclude_none=True)
    return json.dumps(value, ensure_ascii=False, indent=2)


def builtin_templates() -> list[str]:
    """Return the names of the templates shipped with the library."""
    folder = resources.files("distillation").joinpath(PROMPT_PACKAGE_DIR)
    return sorted(item.name for item in folder.iterdir() if item.name.endswith(SUFFIX))


@lru_cache(maxsize=1)
def default_renderer() -> PromptRenderer:
    """Return a shared renderer over the built-in templates."""
    return PromptRenderer()


def _always_current() -> bool:
    return True


def _load_builtin(name: str) -> tuple[str, str, Callable[[], bool]] | None:
    if "/" in name or "\\" in name or name.startswith("."):
        return None
    resource = resources.files("distillation").joinpath(PROMPT_PACKAGE_DIR, name)
    if not resource.is_file():
        return None
    # Package data does not change while the process runs.
    return resource.read_text(encoding="utf-8"), f"distillation/{PROMPT_PACKAGE_DIR}/{name}", lambda: True
