"""The policy-draft request shows the teacher the spec and the examples; the draft is read from its answer."""

from __future__ import annotations

import pytest

from distillation.taskspec import TaskSpec
from distillation.taskspec.policy import (
    MAX_EXAMPLE_CHARS,
    MAX_EXAMPLES,
    policy_draft_request,
    read_policy_draft,
)


def test_the_request_shows_the_spec_and_at_most_eight_cut_examples() -> None:
    spec = TaskSpec.model_validate(
        {
            "name": "triage",
            "title": "Ticket triage",
            "instruction": "Sort the ticket.",
            "output_schema": {"type": "object", "properties": {"queue": {"enum": ["billing", "tech"]}}},
            "rubric": [{"name": "queue", "description": "The queue fits the ticket."}],
            "policy": "Prefer billing when unsure.",
        }
    )
    examples = ["x" * (MAX_EXAMPLE_CHARS + 50), "   ", *[f"ticket {n}" for n in range(12)]]

    request = policy_draft_request(spec, examples)

    system, user = request.messages
    assert system.role == "system"
    assert "rules every answer must follow" in system.content
    text = user.content
    for shown in (
        "Ticket triage",
        "Sort the ticket.",
        '"billing"',
        "- queue: The queue fits the ticket.",
        "Prefer billing",
    ):
        assert shown in text
    assert "x" * MAX_EXAMPLE_CHARS in text
    assert "x" * (MAX_EXAMPLE_CHARS + 1) not in text
    assert f"Example {MAX_EXAMPLES}:" in text
    assert f"Example {MAX_EXAMPLES + 1}:" not in text
    assert text.endswith("Write the task policy.")
    assert request.response_schema is None


def test_the_draft_is_the_answer_without_fences_and_an_empty_one_is_refused() -> None:
    assert (
        read_policy_draft("```text\n- Be brief.\n- Cite the order.\n```\n")
        == "- Be brief.\n- Cite the order."
    )
    with pytest.raises(ValueError, match="no policy"):
        read_policy_draft("```\n```")
