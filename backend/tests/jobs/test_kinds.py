"""Job kinds: every kind is registered, stored configs load typed, stages keep their stored strings."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from app.jobs.kinds.base import Failed
from app.jobs.kinds.generate import GenerateKind
from app.jobs.kinds.registry import KINDS, kind_of
from app.models import Job, JobKind, JobStage
from distillation.pipeline import GenerationConfig, Stage

ROOT = Path(__file__).resolve().parents[3]


def _generation(**extra: Any) -> dict[str, Any]:
    """A config as a job stores it: the engine's config in JSON, plus what its kind adds."""
    config = GenerationConfig(data_type="qa", count=20, budget_usd=None).model_dump(mode="json")
    return {**config, "budget_usd": "1.5", **extra}


STORED = {
    JobKind.generate: _generation(),
    JobKind.amplify: _generation(data_type="generation", seed_examples=[{"input": "a", "output": "b"}]),
    JobKind.quality: _generation(source_version=1, target_version=2),
    JobKind.regenerate: _generation(source_job_id=str(uuid.uuid4()), source_version=3, target_version=4),
    JobKind.relabel: _generation(data_type="generation", prompt_set_id=str(uuid.uuid4())),
    JobKind.preference: _generation(data_type="generation", prompt_set_id=str(uuid.uuid4())),
}


def test_every_job_kind_is_registered() -> None:
    assert set(KINDS) == set(JobKind)
    assert all(kind_of(kind).kind is kind for kind in JobKind)


@pytest.mark.parametrize("kind", list(JobKind))
def test_a_stored_config_loads_typed_and_its_engine_has_no_budget(kind: JobKind) -> None:
    # A key an older version stored and this one no longer knows must not stop an old job.
    job = Job(kind=kind, config={**STORED[kind], "a_retired_setting": 1})
    config = kind_of(kind).config_of(job)
    assert config.count == 20
    assert config.budget_usd is not None
    assert config.engine_config().budget_usd is None


@pytest.mark.parametrize(
    ("kind", "missing"),
    [
        (JobKind.amplify, "seed_examples"),
        (JobKind.quality, "target_version"),
        (JobKind.regenerate, "source_job_id"),
        (JobKind.relabel, "prompt_set_id"),
        (JobKind.preference, "prompt_set_id"),
    ],
)
def test_a_stored_config_without_its_kinds_fields_is_refused(kind: JobKind, missing: str) -> None:
    config = {key: value for key, value in STORED[kind].items() if key != missing}
    with pytest.raises(ValidationError, match=missing):
        kind_of(kind).config_of(Job(kind=kind, config=config))


def test_stages_are_stored_and_shown_as_their_names() -> None:
    assert [str(stage) for stage in JobStage] == [
        *("seed", "policy", "bulk", "judge", "regenerate", "relabel", "preference")
    ]
    assert [stage.value for stage in Stage] == [
        *("seed", "policy", "bulk", "judge", "fix", "trace", "amplify"),
        *("relabel", "relabel-student", "evaluate", "playground"),
    ]
    assert str(JobStage.bulk) == str(Stage.bulk) == "bulk"


def test_a_generation_job_goes_seed_policy_bulk_and_fails_without_a_seed() -> None:
    kind = GenerateKind()
    seeds_only = {"seed": {"done": 2}}
    planned = {"seed": {"done": 2}, "policy": {"pending": 1}, "bulk": {"pending": 8}}
    assert kind.after(JobStage.seed, seeds_only) is None
    assert kind.after(JobStage.seed, planned) is JobStage.policy
    assert kind.after(JobStage.policy, planned) is JobStage.bulk
    assert kind.after(JobStage.bulk, planned) is None
    no_seed = kind.after(JobStage.seed, {"seed": {"rejected": 2}, "policy": {"pending": 1}})
    assert isinstance(no_seed, Failed)
    assert "no seed row" in no_seed.reason


def test_a_relabel_job_fails_when_no_answer_was_kept() -> None:
    kind = kind_of(JobKind.relabel)
    assert kind.stages == (JobStage.relabel,)
    assert kind.after(JobStage.relabel, {"relabel": {"done": 1, "rejected": 4}}) is None
    none_kept = kind.after(JobStage.relabel, {"relabel": {"rejected": 5}})
    assert isinstance(none_kept, Failed)
    assert "no prompt" in none_kept.reason


def test_the_worked_example_quotes_the_code_as_it_is() -> None:
    """Each code block of docs/job-kinds.md that names its file is found, verbatim, in that file."""
    text = (ROOT / "docs" / "job-kinds.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n# (\S+)\n(.*?)```", text, flags=re.DOTALL)
    assert len(blocks) >= 3
    for path, code in blocks:
        assert code in (ROOT / path).read_text(encoding="utf-8"), f"docs/job-kinds.md quotes {path} wrongly"
