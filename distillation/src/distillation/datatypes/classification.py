"""Text classification: a text and its label."""

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

DEFAULT_TASK = "Classify the following text."


class ClassificationRecord(Record):
    """A text with the one label that fits it."""

    text: str = Field(description="The text to classify.")
    label: str = Field(description="The correct label, spelled exactly as in the allowed labels.")
    labels: list[str] | None = Field(
        default=None, description="The allowed labels, when the example states them."
    )


class ClassificationDataType(DataType[ClassificationRecord]):
    """Single-label text classification."""

    name = "classification"
    title = "Text classification"
    description = "A realistic text and the single label that best describes it."
    record_model = ClassificationRecord

    def normalize(
        self, record: ClassificationRecord, context: ValidationContext = DEFAULT_CONTEXT
    ) -> ClassificationRecord:
        """Strip whitespace and respell a label that matches an allowed label up to case."""
        allowed = list(context.labels or record.labels or [])
        label = record.label.strip()
        canonical = {item.casefold(): item for item in allowed}
        return ClassificationRecord(
            text=record.text.strip(),
            label=canonical.get(label.casefold(), label),
            labels=[item.strip() for item in record.labels] if record.labels is not None else None,
        )

    def text_fields(self, record: ClassificationRecord) -> list[TextField]:
        """Return the text and the label (the label is the response)."""
        return [TextField("text", record.text, False), TextField("label", record.label, True)]

    def _check(self, record: ClassificationRecord, context: ValidationContext) -> list[str]:
        reasons = []
        if record.labels is not None and len(set(record.labels)) != len(record.labels):
            reasons.append("labels contains duplicates")
        allowed = list(context.labels) if context.labels is not None else record.labels
        if allowed is not None and record.label.strip() and record.label not in allowed:
            reasons.append(f"label {record.label!r} is not one of the allowed labels: {', '.join(allowed)}")
        if context.labels is not None and record.labels is not None:
            unknown = sorted(set(record.labels) - set(context.labels))
            if unknown:
                reasons.append(f"labels lists labels the dataset does not allow: {', '.join(unknown)}")
        return reasons

    def to_messages(
        self, record: ClassificationRecord, *, system: str | None = None, instruction: str | None = None
    ) -> list[Message]:
        """User gives the task, the allowed labels and the text; the assistant answers with the label."""
        user = f"{_task(record, instruction)}\n\nText: {record.text}"
        return with_system(
            system, [{"role": "user", "content": user}, {"role": "assistant", "content": record.label}]
        )

    def to_instruction(
        self, record: ClassificationRecord, *, instruction: str | None = None
    ) -> InstructionExample:
        """Instruction: the task and labels; input: the text; output: the label."""
        return InstructionExample(
            instruction=_task(record, instruction), input=record.text, output=record.label
        )

    def example(self) -> ClassificationRecord:
        """Return a sample record."""
        return ClassificationRecord(
            text="I was charged twice for my March subscription and nobody has answered my emails.",
            label="billing",
            labels=["billing", "technical", "shipping", "other"],
        )


def _task(record: ClassificationRecord, instruction: str | None) -> str:
    task = instruction or DEFAULT_TASK
    return f"{task}\nLabels: {', '.join(record.labels)}" if record.labels else task
