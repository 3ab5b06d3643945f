"""Validate OpenAI chat fine-tuning examples against OpenAI's published rules.

Rules (OpenAI fine-tuning guide and the ``FineTuneChatRequestInput`` schema): each line is an object
with a non-empty ``messages`` list and no keys other than ``messages``, ``tools`` and
``parallel_tool_calls``; roles are ``system``, ``user``, ``assistant`` or ``tool``; content is a string
(an assistant message that carries ``tool_calls`` may have none); ``weight`` is 0 or 1 and only on
assistant messages; at least one assistant message is trained on. With tools: ``tools`` is a list of
function tools with distinct names; each assistant ``tool_calls`` entry has an ``id``, ``type``
"function" and a ``function`` with a ``name`` among the tools and ``arguments`` that are JSON text of an
object valid against that tool's ``parameters`` schema (checked offline, never fetching a ``$ref``); a
``tool`` message answers the id of an earlier call. Warnings: an example longer than the
token limit is truncated by OpenAI, and a file needs at least 10 examples.

Token counts are estimates (characters / 4 plus per-message overhead): an exact count needs ``tiktoken``,
which downloads its encodings on first use and so cannot run offline.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal

__all__ = [
    "DEFAULT_MAX_TOKENS",
    "MIN_EXAMPLES",
    "OpenAIIssue",
    "OpenAIValidationReport",
    "estimate_tokens",
    "validate_openai_dataset",
    "validate_openai_example",
]

DEFAULT_MAX_TOKENS: Final = 65_536
"""Training context of gpt-4o-mini / gpt-4o fine-tuning; longer examples are truncated."""
MIN_EXAMPLES: Final = 10
_TOP_LEVEL_KEYS: Final = frozenset({"messages", "tools", "parallel_tool_calls"})
_MESSAGE_KEYS: Final = {
    "system": frozenset({"role", "content", "name"}),
    "user": frozenset({"role", "content", "name"}),
    "assistant": frozenset({"role", "content", "name", "weight", "tool_calls", "refusal"}),
    "tool": frozenset({"role", "content", "tool_call_id"}),
}
_TOKENS_PER_MESSAGE: Final = 4
_TOKENS_PER_EXAMPLE: Final = 3

Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class OpenAIIssue:
    """One broken rule.

    Attributes:
        line: 1-based example number, ``None`` for a file-level issue.
        code: Stable rule key, e.g. ``"invalid_role"``.
        message: What is wrong and where.
        severity: ``"error"`` (OpenAI rejects the file) or ``"warning"``.
    """

    line: int | None
    code: str
    message: str
    severity: Severity = "error"


@dataclass(frozen=True, slots=True)
class OpenAIValidationReport:
    """The result of validating a whole file."""

    examples: int
    issues: tuple[OpenAIIssue, ...]

    @property
    def errors(self) -> tuple[OpenAIIssue, ...]:
        """Issues that make OpenAI reject the file."""
        return tuple(i for i in self.issues if i.severity == "error")

    @property
    def warnings(self) -> tuple[OpenAIIssue, ...]:
        """Issues worth fixing that OpenAI accepts."""
        return tuple(i for i in self.issues if i.severity == "warning")

    @property
    def ok(self) -> bool:
        """Whether the file has no errors."""
        return not self.errors


def estimate_tokens(example: Mapping[str, Any]) -> int:
    """Estimate an example's token count without a tokenizer (characters / 4 plus overhead)."""
    messages = example.get("messages")
    if not isinstance(messages, list):
        return 0
    contents = (m.get("content") for m in messages if isinstance(m, Mapping))
    chars = sum(len(c) for c in contents if isinstance(c, str))
    return math.ceil(chars / 4) + _TOKENS_PER_MESSAGE * len(messages) + _TOKENS_PER_EXAMPLE


def validate_openai_example(
    example: object, *, line: int | None = None, max_tokens: int = DEFAULT_MAX_TOKENS
) -> list[OpenAIIssue]:
    """Check one fine-tuning example.

    Args:
        example: A parsed JSONL line.
        line: Its 1-based position, copied into each issue.
        max_tokens: Estimated token count above which a ``too_long`` warning is given.

    Returns:
        Every broken rule, errors and warnings; empty when the example is valid.

    Example:
        >>> [i.code for i in validate_openai_example({"messages": [{"role": "user", "content": "Hi"}]})]
        ['missing_assistant']
    """
    issues: list[OpenAIIssue] = []

    def add(code: str, message: str, severity: Severity = "error") -> None:
        issues.append(OpenAIIssue(line, code, message, severity))

    if not isinstance(example, Mapping):
        add("not_an_object", f"each line must be a JSON object, got {type(example).__name__}")
        return issues
    for key in sorted(str(k) for k in example if k not in _TOP_LEVEL_KEYS):
        add("unknown_key", f"unexpected top-level key {key!r}")
    messages = example.get("messages")
    if not isinstance(messages, list) or not messages:
        add("missing_messages", "'messages' must be a non-empty list")
        return issues
    for index, message in enumerate(messages):
        for code, text in _message_issues(message):
            add(code, f"messages[{index}]: {text}")
    _conversation_rules(messages, add)
    _tool_rules(example.get("tools"), messages, add)
    tokens = estimate_tokens(example)
    if tokens > max_tokens:
        add(
            "too_long", f"about {tokens} tokens, over the {max_tokens} limit; it will be truncated", "warning"
        )
    return issues


def validate_openai_dataset(
    examples: Iterable[object], *, max_tokens: int = DEFAULT_MAX_TOKENS, min_examples: int = MIN_EXAMPLES
) -> OpenAIValidationReport:
    """Check every example of a file, and the file's size.

    Args:
        examples: Parsed JSONL lines, in file order.
        max_tokens: Per-example token limit for the ``too_long`` warning.
        min_examples: Fewest examples OpenAI accepts; fewer gives a ``too_few_examples`` warning.

    Returns:
        The number of examples and every issue found.
    """
    issues: list[OpenAIIssue] = []
    count = 0
    for count, example in enumerate(examples, start=1):
        issues += validate_openai_example(example, line=count, max_tokens=max_tokens)
    if count < min_examples:
        issues.append(
            OpenAIIssue(
                None,
                "too_few_examples",
                f"{count} example(s); OpenAI requires at least {min_examples}",
                "warning",
            )
        )
    return OpenAIValidationReport(count, tuple(issues))


def _message_issues(message: object) -> list[tuple[str, str]]:
    if not isinstance(message, Mapping):
        return [("message_not_object", "each message must be an object")]
    role = message.get("role")
    if role not in _MESSAGE_KEYS:
        return [("invalid_role", f"role must be one of {sorted(_MESSAGE_KEYS)}, got {role!r}")]
    found = [
        ("message_unknown_key", f"unexpected key {k!r} for role {role!r}") for k in _extra(message, role)
    ]
    content = message.get("content")
    if not isinstance(content, str) and not (
        role == "assistant" and content is None and message.get("tool_calls")
    ):
        found.append(("invalid_content", "content must be a string"))
    if "weight" in message:
        weight = message["weight"]
        if isinstance(weight, bool) or weight not in (0, 1):
            found.append(("invalid_weight", f"weight must be 0 or 1, got {weight!r}"))
    if role == "tool" and not isinstance(message.get("tool_call_id"), str):
        found.append(("missing_tool_call_id", "a tool message needs a 'tool_call_id' string"))
    return found


def _tool_rules(tools: object, messages: list[Any], add: Callable[..., None]) -> None:
    """The tools offered, every tool call against them, and every tool result against the calls."""
    from distillation.providers.tools import tool_call_error, tools_error

    offered: list[dict[str, Any]] | None = None
    if tools is not None:
        if not isinstance(tools, list) or not all(isinstance(tool, dict) for tool in tools):
            add("invalid_tools", "'tools' must be a list of objects")
        elif (problem := tools_error(tools)) is not None:
            add("invalid_tools", f"tools: {problem}")
        else:
            offered = tools
    called: set[str] = set()
    for index, message in enumerate(messages):
        if not isinstance(message, Mapping):
            continue
        where = f"messages[{index}]"
        if message.get("role") == "tool" and message.get("tool_call_id") not in called:
            add(
                "unknown_tool_call_id",
                f"{where}: tool_call_id {message.get('tool_call_id')!r} answers no earlier call",
            )
        calls = message.get("tool_calls")
        if calls is None or message.get("role") != "assistant":
            continue
        if not isinstance(calls, list) or not calls:
            add("invalid_tool_calls", f"{where}: 'tool_calls' must be a non-empty list")
            continue
        for number, call in enumerate(calls):
            spot = f"{where}.tool_calls[{number}]"
            function = call.get("function") if isinstance(call, Mapping) else None
            if isinstance(call, Mapping) and isinstance(call.get("id"), str):
                called.add(call["id"])  # a malformed call is one error, not one more per result
            if (
                not isinstance(call, Mapping)
                or call.get("type") != "function"
                or not isinstance(call.get("id"), str)
                or not isinstance(function, Mapping)
                or not isinstance(function.get("name"), str)
                or not isinstance(function.get("arguments"), str)
            ):
                add(
                    "invalid_tool_call",
                    f"{spot}: needs 'id', 'type': 'function' and a function with 'name' and 'arguments' text",
                )
                continue
            if offered is None:
                if tools is None:
                    add(
                        "tool_call_without_tools",
                        f"{spot}: calls {function['name']!r} but the example offers no 'tools'",
                    )
                continue
            problem = tool_call_error([dict(call)], offered)
            if problem is not None:
                add("invalid_tool_call", f"{spot}: {problem}")


def _extra(message: Mapping[Any, Any], role: str) -> list[str]:
    return sorted(str(key) for key in message if key not in _MESSAGE_KEYS[role])


def _conversation_rules(messages: list[Any], add: Callable[..., None]) -> None:
    assistants = [m for m in messages if isinstance(m, Mapping) and m.get("role") == "assistant"]
    if not assistants:
        add("missing_assistant", "at least one assistant message is required")
        return
    if all(m.get("weight") == 0 for m in assistants):
        add("no_trainable_assistant", "every assistant message has weight 0, so nothing is trained on")
    last = messages[-1]
    if not (isinstance(last, Mapping) and last.get("role") == "assistant"):
        add("last_not_assistant", "messages after the last assistant reply are not trained on", "warning")
    for index, message in enumerate(messages):
        if not isinstance(message, Mapping) or message.get("role") != "assistant":
            continue
        if message.get("content") == "" and not message.get("tool_calls"):
            add("empty_assistant", f"messages[{index}]: empty assistant reply", "warning")
