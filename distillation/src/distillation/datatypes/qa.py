"""Question–answer pairs."""

from __future__ import annotations

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


class QARecord(Record):
    """A question and its answer."""

    question: str = Field(description="The user's question, self-contained.")
    answer: str = Field(description="The assistant's answer to the question.")


class QADataType(DataType[QARecord]):
    """Single-turn question answering."""

    name = "qa"
    title = "Question–answer"
    description = "A self-contained user question and a helpful, correct answer."
    record_model = QARecord

    def normalize(self, record: QARecord, context: ValidationContext = DEFAULT_CONTEXT) -> QARecord:
        """Strip surrounding whitespace."""
        return QARecord(question=record.question.strip(), answer=record.answer.strip())

    def text_fields(self, record: QARecord) -> list[TextField]:
        """Return the question and the answer (the answer is the response)."""
        return [TextField("question", record.question, False), TextField("answer", record.answer, True)]

    def _check(self, record: QARecord, context: ValidationContext) -> list[str]:
        if record.answer.strip() and _same(record.question, record.answer):
            return ["answer repeats the question"]
        return []

    def to_messages(
        self, record: QARecord, *, system: str | None = None, instruction: str | None = None
    ) -> list[Message]:
        """User asks the question (after ``instruction`` when given); the assistant answers."""
        user = f"{instruction}\n\n{record.question}" if instruction else record.question
        return with_system(
            system, [{"role": "user", "content": user}, {"role": "assistant", "content": record.answer}]
        )

    def to_instruction(self, record: QARecord, *, instruction: str | None = None) -> InstructionExample:
        """The question is the instruction, or the input when a task ``instruction`` is given."""
        if instruction:
            return InstructionExample(instruction=instruction, input=record.question, output=record.answer)
        return InstructionExample(instruction=record.question, output=record.answer)

    def example(self) -> QARecord:
        """Return a sample record."""
        return QARecord(
            question="How long does a standard bank transfer within the EU usually take?",
            answer="A SEPA credit transfer normally arrives by the next business day; SEPA Instant "
            "transfers arrive within seconds when both banks support them.",
        )


def _same(left: str, right: str) -> bool:
    return " ".join(left.casefold().split()) == " ".join(right.casefold().split())
