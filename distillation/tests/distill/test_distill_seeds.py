"""Seeds from lists and files, and outputs held to a ``response_model``."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any, Literal

import pytest
from distill_fakes import INSTRUCTION, SEEDS, TEACHER, amplifier, credentials, read_jsonl, schema_name
from pydantic import BaseModel, Field, field_validator

from distillation import distill
from distillation.amplify.seeds import SeedError, load_seeds
from distillation.testing import FakeProviderServer


class Ticket(BaseModel):
    """A structured answer; the validator is a rule JSON schema cannot express."""

    category: Literal["billing", "delivery", "technical"]
    priority: int = Field(ge=1, le=3)
    summary: str

    @field_validator("summary")
    @classmethod
    def _no_shouting(cls, value: str) -> str:
        if value.isupper():
            raise ValueError("summary must not be all capitals")
        return value


TICKET_SEEDS: list[dict[str, Any]] = [
    {
        "input": "My parcel is late.",
        "output": {"category": "delivery", "priority": 2, "summary": "Late parcel"},
    },
    {
        "input": "Charged twice!",
        "output": json.dumps({"category": "billing", "priority": 1, "summary": "Double"}),
    },
]


def ticket_output(rng: random.Random, variation: int) -> dict[str, Any]:
    summary = "LOUD SUMMARY" if variation % 4 == 3 else f"Issue {rng.randint(1, 10**6)}"
    return {"category": rng.choice(["billing", "delivery", "technical"]), "priority": 2, "summary": summary}


def test_outputs_must_satisfy_the_response_model(tmp_path: Path) -> None:
    with FakeProviderServer(amplifier(ticket_output)) as server:
        result = distill(
            "tickets",
            TICKET_SEEDS,
            "Turn the message into a ticket.",
            teacher=TEACHER,
            augment_factor=4,
            response_model=Ticket,
            output_dir=tmp_path,
            credentials=credentials(server),
        )
        pair_request = next(r.body for r in server.requests if schema_name(r) == "pair")

    assert result.status == "completed"
    assert result.amplified == 8
    rows = read_jsonl(result.dataset_path)
    for row in rows:
        Ticket.model_validate_json(row["messages"][2]["content"])
    rejected = read_jsonl(tmp_path / "tickets" / "traces_rejected.jsonl")
    assert rejected
    assert all("summary must not be all capitals" in r["reason"] for r in rejected)
    # The model's JSON schema constrains the provider's structured output too.
    schema = pair_request["response_format"]["json_schema"]["schema"]
    assert "Ticket" in json.dumps(schema)


def test_a_seed_that_breaks_the_response_model_is_refused_before_any_request(tmp_path: Path) -> None:
    bad = [*TICKET_SEEDS, {"input": "Hello", "output": {"category": "sales", "priority": 2, "summary": "x"}}]
    with pytest.raises(SeedError, match=r"example 3: output does not match Ticket: category"):
        distill("tickets", bad, "Turn the message into a ticket.", response_model=Ticket, output_dir=tmp_path)
    assert not (tmp_path / "tickets").exists()


def test_seeds_are_read_from_jsonl_json_and_csv(tmp_path: Path) -> None:
    jsonl = tmp_path / "seeds.jsonl"
    jsonl.write_text("".join(json.dumps(seed) + "\n" for seed in SEEDS))
    as_json = tmp_path / "seeds.json"
    as_json.write_text(json.dumps(SEEDS))
    as_csv = tmp_path / "seeds.csv"
    as_csv.write_text("input,output\n" + "".join(f'"{s["input"]}","{s["output"]}"\n' for s in SEEDS))

    for path in (jsonl, as_json, as_csv):
        seeds = load_seeds(path)
        assert [(s.input, s.output) for s in seeds] == [(s["input"], s["output"]) for s in SEEDS]


def test_bad_seed_files_name_the_line(tmp_path: Path) -> None:
    path = tmp_path / "seeds.jsonl"
    path.write_text(json.dumps(SEEDS[0]) + "\n" + json.dumps({"input": "no output"}) + "\n")
    with pytest.raises(SeedError, match=r"seeds.jsonl line 2: output must be non-empty text"):
        load_seeds(path)
    with pytest.raises(SeedError, match="no seed examples"):
        load_seeds([])
    with pytest.raises(SeedError, match="does not exist"):
        load_seeds(tmp_path / "missing.csv")


def test_the_seed_file_path_works_end_to_end(tmp_path: Path) -> None:
    path = tmp_path / "seeds.jsonl"
    path.write_text("".join(json.dumps(seed) + "\n" for seed in SEEDS))
    with FakeProviderServer(amplifier()) as server:
        result = distill(
            "from-file",
            path,
            INSTRUCTION,
            teacher=TEACHER,
            augment_factor=1,
            output_dir=tmp_path,
            credentials=credentials(server),
        )
    assert result.status == "completed"
    assert result.rows == 6
