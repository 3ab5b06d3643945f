"""Code generation and completion."""

from __future__ import annotations

import ast
import json
import re
import warnings

from pydantic import Field

from distillation.datatypes.base import (
    DEFAULT_CONTEXT,
    DataType,
    InstructionExample,
    Message,
    Record,
    TextField,
    ValidationContext,
    with_system,
)

_LANGUAGE_ALIASES = {
    "py": "python",
    "python3": "python",
    "python 3": "python",
    "js": "javascript",
    "node": "javascript",
    "ts": "typescript",
    "c++": "cpp",
    "c#": "csharp",
    "golang": "go",
    "sh": "bash",
    "shell": "bash",
    "rs": "rust",
}
_FENCED = re.compile(r"^\s*```[\w+#.-]*[ \t]*\n(.*?)\n?```\s*$", re.DOTALL)


class CodeRecord(Record):
    """A programming task and the code that solves it."""

    instruction: str = Field(description="The programming task, as the user would ask it.")
    language: str = Field(description="Programming language of the code, e.g. python, javascript, sql.")
    code: str = Field(description="The complete code, without markdown fences.")
    explanation: str | None = Field(default=None, description="A short explanation of the code, if useful.")


class CodeDataType(DataType[CodeRecord]):
    """Code generation or completion from a natural-language task."""

    name = "code"
    title = "Code generation"
    description = "A programming task and correct, idiomatic code that solves it."
    record_model = CodeRecord

    def normalize(self, record: CodeRecord, context: ValidationContext = DEFAULT_CONTEXT) -> CodeRecord:
        """Canonicalise the language name and remove markdown fences around the code."""
        fenced = _FENCED.match(record.code)
        explanation = record.explanation.strip() if record.explanation else None
        return CodeRecord(
            instruction=record.instruction.strip(),
            language=canonical_language(record.language),
            code=(fenced.group(1) if fenced else record.code).strip("\n"),
            explanation=explanation or None,
        )

    def text_fields(self, record: CodeRecord) -> list[TextField]:
        """Return instruction, language, code and explanation (code and explanation are responses)."""
        fields = [
            TextField("instruction", record.instruction, False),
            TextField("language", record.language, False),
            TextField("code", record.code, True),
        ]
        if record.explanation is not None:
            fields.append(TextField("explanation", record.explanation, True))
        return fields

    def _check(self, record: CodeRecord, context: ValidationContext) -> list[str]:
        reasons = []
        if "```" in record.code:
            reasons.append("code contains markdown fences")
        syntax = syntax_error(record.language, record.code)
        if syntax:
            reasons.append(syntax)
        return reasons

    def to_messages(
        self, record: CodeRecord, *, system: str | None = None, instruction: str | None = None
    ) -> list[Message]:
        """User states the task; the assistant answers with a fenced code block and the explanation."""
        user = f"{instruction}\n\n{record.instruction}" if instruction else record.instruction
        return with_system(
            system, [{"role": "user", "content": user}, {"role": "assistant", "content": _answer(record)}]
        )

    def to_instruction(self, record: CodeRecord, *, instruction: str | None = None) -> InstructionExample:
        """Instruction: the task (or ``instruction`` with the task as input); output: fenced code."""
        if instruction:
            return InstructionExample(
                instruction=instruction, input=record.instruction, output=_answer(record)
            )
        return InstructionExample(instruction=record.instruction, output=_answer(record))

    def example(self) -> CodeRecord:
        """Return a sample record."""
        return CodeRecord(
            instruction="Write a Python function that returns the n-th Fibonacci number iteratively.",
            language="python",
            code="def fibonacci(n: int) -> int:\n    a, b = 0, 1\n"
            "    for _ in range(n):\n        a, b = b, a + b\n    return a",
            explanation="Keeps the last two numbers, so it runs in O(n) time and O(1) memory.",
        )


def canonical_language(language: str) -> str:
    """Return the canonical lowercase name of a programming language (``Python 3`` → ``python``)."""
    lowered = language.strip().lower()
    return _LANGUAGE_ALIASES.get(lowered, lowered)


def syntax_error(language: str, code: str) -> str | None:
    """Return why ``code`` does not parse, for the languages checked offline (Python, JSON); else None."""
    language = canonical_language(language)
    if language == "python":
        try:
            with warnings.catch_warnings():
                # Invalid escape sequences warn at parse time; they are not what this check is for.
                warnings.simplefilter("ignore", SyntaxWarning)
                ast.parse(code)
        except (SyntaxError, ValueError, RecursionError) as exc:
            line = getattr(exc, "lineno", None)
            where = f" (line {line})" if line else ""
            return f"code does not parse as Python{where}: {getattr(exc, 'msg', exc)}"
    elif language == "json":
        try:
            json.loads(code)
        except json.JSONDecodeError as exc:
            return f"code is not valid JSON (line {exc.lineno}): {exc.msg}"
    return None


def _answer(record: CodeRecord) -> str:
    block = f"```{record.language}\n{record.code}\n```"
    return f"{block}\n\n{record.explanation}" if record.explanation else block
