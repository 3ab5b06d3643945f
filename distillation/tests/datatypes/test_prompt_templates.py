"""Prompt templates: every stage renders, hashes are stable and change with any template they use."""

from __future__ import annotations

import hashlib
from importlib import resources
from pathlib import Path

import pytest

from distillation.datatypes import (
    LengthRange,
    PromptRenderer,
    PromptTemplateError,
    TaskPolicy,
    amplify_prompt,
    amplify_trace_prompt,
    builtin_templates,
    get_datatype,
    policy_extraction_prompt,
    student_bulk_prompt,
    teacher_seed_prompt,
)
from distillation.quality import CRITERION_NAMES, fix_prompt, judge_prompt
from distillation.scenarios import Scenario, ScenarioSampler, load_domains_config

STAGES = ["teacher_seed", "student_bulk", "policy_extraction", "judge", "fix", "amplify_trace", "amplify"]
POLICY = TaskPolicy(
    task="Answer support questions.",
    input_format="One customer message.",
    output_format="A short, polite answer.",
    reasoning_style="Direct.",
    constraints=["Never promise refunds", "Use the customer's name"],
    input_length=LengthRange(min_words=10, max_words=60),
    output_length=LengthRange(min_words=20, max_words=120),
)


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return ScenarioSampler(load_domains_config(), seed=1, domains=["customer_support"]).draw(0)


def _prompt_dir(tmp_path: Path) -> Path:
    target = tmp_path / "prompts"
    target.mkdir()
    for name in builtin_templates():
        source = resources.files("distillation").joinpath("prompts", name).read_text(encoding="utf-8")
        (target / name).write_text(source, encoding="utf-8")
    return target


def test_every_stage_has_a_builtin_template() -> None:
    assert {f"{stage}.jinja2" for stage in STAGES} <= set(builtin_templates())


@pytest.mark.parametrize("name", ["qa", "classification", "generation", "code", "translation", "ner"])
def test_generation_stages_render_for_every_datatype(name: str, scenario: Scenario) -> None:
    datatype = get_datatype(name)
    example = datatype.example()
    labels = ["PERSON", "ORG", "LOC", "DATE"] if name == "ner" else None
    prompts = [
        teacher_seed_prompt(datatype, scenario, instruction="Support data", labels=labels),
        student_bulk_prompt(datatype, scenario, POLICY, [example, datatype.dump(example)], labels=labels),
        policy_extraction_prompt(datatype, [example]),
        judge_prompt(datatype, example, instruction="Support data"),
        fix_prompt(datatype, datatype.dump(example), reasons=["too short"], labels=labels),
    ]
    for prompt in prompts:
        assert [m["role"] for m in prompt.messages] == ["system", "user"]
        assert all(m["content"].strip() for m in prompt.messages)
        assert "{{" not in prompt.messages[1]["content"]
        assert len(prompt.template_hash) == 64
    seed_user = prompts[0].messages[1]["content"]
    assert scenario.subdomain_name in seed_user
    assert datatype.example().model_dump_json(indent=2, exclude_none=True) in seed_user
    assert "Never promise refunds" in prompts[1].messages[1]["content"]


def test_judge_prompt_names_every_criterion_and_fix_prompt_carries_the_problems() -> None:
    qa = get_datatype("qa")
    judge = judge_prompt(qa, qa.example()).messages[1]["content"]
    for criterion in CRITERION_NAMES:
        assert criterion in judge
    fix = fix_prompt(qa, {"question": "Q?", "answer": ""}, reasons=["answer is empty"]).messages[1]["content"]
    assert "- answer is empty" in fix


def test_amplification_prompts_render_text_and_structured_outputs() -> None:
    trace = amplify_trace_prompt(
        "Summarise tickets.", {"input": "Printer broken", "output": "Hardware issue"}
    )
    assert trace.messages[0]["content"] == "Summarise tickets."
    assert "Printer broken" in trace.messages[1]["content"]
    exemplars = [{"input": "a <b> & c", "output": {"label": "x"}, "reasoning": "because"}]
    amplified = amplify_prompt("Summarise tickets.", POLICY, exemplars, variation=7)
    user = amplified.messages[1]["content"]
    assert "new example number 7" in user
    assert "a <b> & c" in user  # no HTML escaping in prompts
    assert '"label": "x"' in user


def test_hash_is_stable_across_renderers_and_equals_sha256_of_a_template_without_imports() -> None:
    first, second = PromptRenderer(), PromptRenderer()
    for stage in STAGES:
        assert first.template_hash(stage) == second.template_hash(stage)
    source = first.source("judge")
    assert first.template_hash("judge") == hashlib.sha256(source.encode()).hexdigest()
    assert (
        first.template_hash("teacher_seed")
        != hashlib.sha256(first.source("teacher_seed").encode()).hexdigest()
    )


def test_hash_changes_when_the_template_or_an_imported_template_changes(tmp_path: Path) -> None:
    folder = _prompt_dir(tmp_path)
    builtin = PromptRenderer()
    assert PromptRenderer([folder]).template_hash("teacher_seed") == builtin.template_hash("teacher_seed")
    (folder / "teacher_seed.jinja2").write_text((folder / "teacher_seed.jinja2").read_text() + "\n{# v2 #}\n")
    changed_root = PromptRenderer([folder]).template_hash("teacher_seed")
    assert changed_root != builtin.template_hash("teacher_seed")
    (folder / "_common.jinja2").write_text((folder / "_common.jinja2").read_text() + "\n{# v2 #}\n")
    changed_import = PromptRenderer([folder])
    assert changed_import.template_hash("teacher_seed") != changed_root
    assert changed_import.template_hash("judge") == builtin.template_hash("judge")  # judge imports nothing


def test_user_template_overrides_the_builtin(tmp_path: Path) -> None:
    (tmp_path / "judge.jinja2").write_text("{% set user %}Rate {{ datatype.name }} now.{% endset %}")
    qa = get_datatype("qa")
    prompt = judge_prompt(qa, qa.example(), renderer=PromptRenderer([tmp_path]))
    assert prompt.messages == [{"role": "user", "content": "Rate qa now."}]
    assert (
        prompt.template_hash
        == hashlib.sha256(b"{% set user %}Rate {{ datatype.name }} now.{% endset %}").hexdigest()
    )


def test_template_errors_are_explicit(tmp_path: Path) -> None:
    renderer = PromptRenderer([tmp_path])
    with pytest.raises(PromptTemplateError, match="unknown prompt template"):
        renderer.render("nope")
    with pytest.raises(PromptTemplateError, match=r"judge\.jinja2"):
        renderer.render("judge")  # variables missing: strict, never rendered as ""
    (tmp_path / "dynamic.jinja2").write_text('{% include name ~ ".jinja2" %}{% set user %}x{% endset %}')
    with pytest.raises(PromptTemplateError, match="computed name"):
        renderer.template_hash("dynamic")
    (tmp_path / "silent.jinja2").write_text("{% set system %}only system{% endset %}")
    with pytest.raises(PromptTemplateError, match="no user message"):
        renderer.render("silent")


def test_builtin_templates_copy_cleanly(tmp_path: Path) -> None:
    # The package data folder is complete: a copy renders the same prompt as the built-in loader.
    folder = _prompt_dir(tmp_path)
    qa = get_datatype("qa")
    assert judge_prompt(qa, qa.example(), renderer=PromptRenderer([folder])) == judge_prompt(qa, qa.example())
    assert sorted(p.name for p in folder.iterdir()) == builtin_templates()
