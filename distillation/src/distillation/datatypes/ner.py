"""Named-entity recognition: a text and its entity spans."""

from __future__ import annotations

import itertools
import json

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

DEFAULT_TASK = (
    "Extract the named entities from the text. Answer with a JSON list of objects with the keys text, "
    "label, start and end (character offsets, end exclusive)."
)


class Entity(Record):
    """One entity mention."""

    text: str = Field(description="The mention, exactly as it appears in the text.")
    label: str = Field(description="Entity type, e.g. PERSON, ORG, LOC, DATE.")
    start: int = Field(ge=0, description="Character offset where the mention starts in the text.")
    end: int = Field(ge=0, description="Character offset just after the mention (exclusive).")


class NERRecord(Record):
    """A text and every entity mention in it."""

    text: str = Field(description="The text.")
    entities: list[Entity] = Field(description="Every entity mention, in order of appearance.")


class NERDataType(DataType[NERRecord]):
    """Named-entity recognition with character-offset spans."""

    name = "ner"
    title = "Named-entity recognition"
    description = "A realistic text with every named entity marked by label and character offsets."
    record_model = NERRecord

    def normalize(self, record: NERRecord, context: ValidationContext = DEFAULT_CONTEXT) -> NERRecord:
        """Recompute offsets that do not select the mention, when the mention occurs in the text.

        Models count characters badly; the mention text is what they get right. Among the occurrences
        not yet claimed, the one nearest to the stated start wins.
        """
        claimed: set[tuple[int, int]] = set()
        entities = []
        for entity in sorted(record.entities, key=lambda e: e.start):
            fixed = _relocate(record.text, entity, claimed)
            claimed.add((fixed.start, fixed.end))
            entities.append(fixed)
        return NERRecord(text=record.text, entities=sorted(entities, key=lambda e: (e.start, e.end)))

    def text_fields(self, record: NERRecord) -> list[TextField]:
        """Return the text and every entity's text and label."""
        fields = [TextField("text", record.text, False)]
        for i, entity in enumerate(record.entities):
            fields += [TextField(f"entities[{i}].text", entity.text, True)]
            fields += [TextField(f"entities[{i}].label", entity.label, True)]
        return fields

    def _check(self, record: NERRecord, context: ValidationContext) -> list[str]:
        reasons = [
            r for i, e in enumerate(record.entities) for r in _span_reasons(record.text, i, e, context)
        ]
        spans = sorted((e.start, e.end, i) for i, e in enumerate(record.entities))
        for (start, end, i), (next_start, next_end, j) in itertools.pairwise(spans):
            if (start, end) == (next_start, next_end):
                reasons.append(f"entities[{i}] and entities[{j}] have the same span")
            elif next_start < end and not context.allow_overlapping_entities:
                reasons.append(f"entities[{i}] and entities[{j}] overlap")
        return reasons

    def to_messages(
        self, record: NERRecord, *, system: str | None = None, instruction: str | None = None
    ) -> list[Message]:
        """User gives the task and the text; the assistant answers with the entities as JSON."""
        user = f"{instruction or DEFAULT_TASK}\n\nText: {record.text}"
        return with_system(
            system, [{"role": "user", "content": user}, {"role": "assistant", "content": _answer(record)}]
        )

    def to_instruction(self, record: NERRecord, *, instruction: str | None = None) -> InstructionExample:
        """Instruction: the task; input: the text; output: the entities as JSON."""
        return InstructionExample(
            instruction=instruction or DEFAULT_TASK, input=record.text, output=_answer(record)
        )

    def example(self) -> NERRecord:
        """Return a sample record."""
        text = "Maria Lopez joined Acme Corp in Berlin on 3 March 2024."
        spans = [("Maria Lopez", "PERSON"), ("Acme Corp", "ORG"), ("Berlin", "LOC"), ("3 March 2024", "DATE")]
        entities = [
            Entity(text=m, label=label, start=text.index(m), end=text.index(m) + len(m)) for m, label in spans
        ]
        return NERRecord(text=text, entities=entities)


def _relocate(text: str, entity: Entity, claimed: set[tuple[int, int]]) -> Entity:
    mention = entity.text
    if not mention or text[entity.start : entity.end] == mention:
        return entity
    occurrences = [i for i in _find_all(text, mention) if (i, i + len(mention)) not in claimed]
    if not occurrences:
        return entity
    start = min(occurrences, key=lambda i: abs(i - entity.start))
    return Entity(text=mention, label=entity.label, start=start, end=start + len(mention))


def _find_all(text: str, mention: str) -> list[int]:
    found, position = [], text.find(mention)
    while position >= 0:
        found.append(position)
        position = text.find(mention, position + 1)
    return found


def _span_reasons(text: str, i: int, entity: Entity, context: ValidationContext) -> list[str]:
    name = f"entities[{i}] ({entity.text!r})"
    if entity.end <= entity.start:
        return [f"{name}: end {entity.end} is not after start {entity.start}"]
    reasons = []
    if entity.end > len(text):
        reasons.append(f"{name}: end {entity.end} is past the end of the text ({len(text)} characters)")
    elif text[entity.start : entity.end] != entity.text:
        selected = text[entity.start : entity.end]
        reasons.append(f"{name}: offsets {entity.start}-{entity.end} select {selected!r}, not the mention")
    if context.labels is not None and entity.label.strip() and entity.label not in context.labels:
        reasons.append(
            f"{name}: label {entity.label!r} is not one of the allowed labels: {', '.join(context.labels)}"
        )
    return reasons


def _answer(record: NERRecord) -> str:
    return json.dumps([e.model_dump() for e in record.entities], ensure_ascii=False)
