"""The teacher drafts a task spec's policy from the spec and a few example rows or prompts.

The draft is plain text for the user to read, edit and save as a new version of the spec: the
policy every answer follows, which the teacher, the student and the judge all see. The request is an
ordinary chat request, so the caller sends it through its own paid-call path (budget, ledger, cost).
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from distillation.providers.types import ChatRequest, Message
from distillation.taskspec.spec import TaskSpec

# Examples shown to the teacher, and the characters kept of each (a prompt set's long chats are cut).
MAX_EXAMPLES = 8
MAX_EXAMPLE_CHARS = 2_000
DRAFT_MAX_TOKENS = 1_024

_SYSTEM = (
    "You write the task policy of a training dataset: the rules every answer must follow, so that a "
    "teacher model answers consistently, a student model learns one behaviour and a judge can check it. "
    "Write concrete, checkable rules (format, length, tone, what to include, what to refuse or avoid, how "
    "to handle unclear inputs), each on its own line starting with '- '. Use what the examples show; do "
    "not invent facts about the product. Reply with the rules only: no title, no preamble, no closing remark."
)


def policy_draft_request(
    spec: TaskSpec, examples: Sequence[str], *, max_tokens: int = DRAFT_MAX_TOKENS
) -> ChatRequest:
    """The request asking the teacher to draft ``spec``'s policy.

    Args:
        spec: The spec being edited: its instruction, description, output schema, rubric and current
            policy are shown.
        examples: Example rows or prompts, as text; the first ``MAX_EXAMPLES`` are shown, each cut to
            ``MAX_EXAMPLE_CHARS`` characters.
        max_tokens: Output cap of the draft.
    """
    parts = [f"Task: {spec.title or spec.name}"]
    if spec.description:
        parts.append(f"What a record is: {spec.description}")
    if spec.instruction:
        parts.append(f"Instruction the answers follow:\n{spec.instruction}")
    if spec.output_schema:
        schema = json.dumps(spec.output_schema, ensure_ascii=False, indent=2)
        parts.append(f"JSON Schema of one answer:\n{schema}")
    if spec.rubric:
        criteria = "\n".join(f"- {c.name}: {c.description}" for c in spec.rubric)
        parts.append(f"What the judge checks:\n{criteria}")
    if spec.policy.strip():
        parts.append(f"The current policy (improve it, keep what still holds):\n{spec.policy.strip()}")
    shown = [text.strip()[:MAX_EXAMPLE_CHARS] for text in examples if text.strip()][:MAX_EXAMPLES]
    if shown:
        listed = "\n\n".join(f"Example {n}:\n{text}" for n, text in enumerate(shown, start=1))
        parts.append(f"Examples of the data:\n{listed}")
    parts.append("Write the task policy.")
    return ChatRequest(
        messages=(Message(role="system", content=_SYSTEM), Message(role="user", content="\n\n".join(parts))),
        max_tokens=max_tokens,
        temperature=0.2,
    )


def read_policy_draft(text: str) -> str:
    """The policy in the teacher's answer: fences and surrounding blank lines removed.

    Raises:
        ValueError: The answer holds no policy.
    """
    lines = [line for line in text.strip().splitlines() if not line.strip().startswith("```")]
    policy = "\n".join(lines).strip()
    if not policy:
        raise ValueError("the teacher's answer holds no policy")
    return policy[:20_000]
