"""Multi-turn text generation: a whole conversation."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

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

Role = Literal["system", "user", "assistant"]

# Models trained on other chat formats write these; accepting them saves a re-ask.
_ROLE_ALIASES = {
    "human": "user",
    "customer": "user",
    "ai": "assistant",
    "bot": "assistant",
    "model": "assistant",
}
_ROLE_ALIASES |= {"gpt": "assistant", "agent": "assistant"}


class Turn(Record):
    """One message of the conversation."""

    role: Role = Field(description="Who speaks: user or assistant (system only as the first turn).")
    content: str = Field(description="What they say.")

    @field_validator("role", mode="before")
    @classmethod
    def _alias_role(cls, value: object) -> object:
        if isinstance(value, str):
            lowered = value.strip().lower()
            return _ROLE_ALIASES.get(lowered, lowered)
        return value


class GenerationRecord(Record):
    """A conversation that alternates user and assistant turns and ends with the assistant."""

    turns: list[Turn] = Field(min_length=1, description="The conversation, in order.")


class GenerationDataType(DataType[GenerationRecord]):
    """Open-ended text generation as (multi-turn) chat."""

    name = "generation"
    title = "Text generation (multi-turn chat)"
    description = "A natural conversation where the assistant writes helpful, well-formed responses."
    record_model = GenerationRecord

    def normalize(
        self, record: GenerationRecord, context: ValidationContext = DEFAULT_CONTEXT
    ) -> GenerationRecord:
        """Strip whitespace from every turn."""
        return GenerationRecord(turns=[Turn(role=t.role, content=t.content.strip()) for t in record.turns])

    def text_fields(self, record: GenerationRecord) -> list[TextField]:
        """Return every turn's content; assistant turns are responses."""
        return [
            TextField(f"turns[{i}].content", turn.content, turn.role == "assistant")
            for i, turn in enumerate(record.turns)
        ]

    def _check(self, record: GenerationRecord, context: ValidationContext) -> list[str]:
        return conversation_reasons([turn.role for turn in record.turns], min_turns=context.min_turns)

    def to_messages(
        self, record: GenerationRecord, *, system: str | None = None, instruction: str | None = None
    ) -> list[Message]:
        """Return the turns as messages; ``system`` is used unless the conversation has its own."""
        messages = [{"role": turn.role, "content": turn.content} for turn in record.turns]
        if messages and messages[0]["role"] == "system":
            return messages
        if instruction and messages:
            messages[0] = {**messages[0], "content": f"{instruction}\n\n{messages[0]['content']}"}
        return with_system(system, messages)

    def to_instruction(
        self, record: GenerationRecord, *, instruction: str | None = None
    ) -> InstructionExample:
        """The last user turn becomes the instruction, earlier turns a transcript in ``input``."""
        turns = [t for t in record.turns if t.role != "system"]
        lost = ["system turn dropped"] if len(turns) != len(record.turns) else []
        last_user = max((i for i, t in enumerate(turns) if t.role == "user"), default=None)
        if last_user is None:
            return InstructionExample(instruction=instruction or "", output="", lost_context=["no user turn"])
        history = turns[:last_user]
        if history:
            lost.append(f"{len(history)} earlier turns flattened into input")
        return InstructionExample(
            instruction=instruction or turns[last_user].content,
            input=_transcript(history, turns[last_user].content if instruction else None),
            output="\n\n".join(t.content for t in turns[last_user + 1 :]),
            lost_context=lost,
        )

    def example(self) -> GenerationRecord:
        """Return a sample record."""
        return GenerationRecord(
            turns=[
                Turn(role="user", content="Can you suggest a name for my bakery? It's small and family-run."),
                Turn(role="assistant", content='How about "Hearth & Crumb"? It sounds warm and homemade.'),
                Turn(role="user", content="Nice. Something shorter?"),
                Turn(
                    role="assistant", content='Try "Crumb" or "Rise": short, friendly and easy to remember.'
                ),
            ]
        )


def conversation_reasons(roles: list[str], *, min_turns: int = 2) -> list[str]:
    """Check the role order of a conversation.

    Rules: a system turn only first; then user and assistant alternate, starting with the user and
    ending with the assistant; at least ``min_turns`` non-system turns.
    """
    reasons = []
    if any(role == "system" for role in roles[1:]):
        reasons.append("a system turn appears after the first turn")
    dialogue = [role for role in roles if role != "system"]
    if len(dialogue) < min_turns:
        reasons.append(f"conversation has {len(dialogue)} user/assistant turns, fewer than {min_turns}")
    if dialogue and dialogue[0] != "user":
        reasons.append("conversation does not start with a user turn")
    if dialogue and dialogue[-1] != "assistant":
        reasons.append("conversation does not end with an assistant turn")
    repeats = [i for i in range(1, len(dialogue)) if dialogue[i] == dialogue[i - 1]]
    if repeats:
        reasons.append(f"user and assistant turns do not alternate (turn {repeats[0]} repeats a role)")
    return reasons


def _transcript(history: list[Turn], current: str | None) -> str:
    if not history:
        return current or ""
    lines = [f"{turn.role.capitalize()}: {turn.content}" for turn in history]
    if current is not None:
        lines.append(f"User: {current}")
    return "\n".join(lines)
