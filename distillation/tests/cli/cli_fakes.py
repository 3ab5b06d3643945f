"""Helpers of the CLI tests: a fake provider with varied valid answers, and the commands wired to it."""

from __future__ import annotations

import json
import random
import re
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

import typer
from typer.testing import CliRunner, Result

from distillation.cli import register
from distillation.cost import PriceTable, TokenUsage
from distillation.pipeline import GenerationConfig, Stage, item_key
from distillation.pipeline.validate import judge_route
from distillation.providers import Credentials
from distillation.testing import Behavior, FakeProviderServer, RecordedRequest, ok

WORDS = (
    "invoice refund parcel courier warranty router firmware password subscription upgrade billing "
    "address delivery tracking replacement charger battery screen login account statement transfer "
    "deposit balance contract renewal discount voucher shipment customs insurance claim appointment"
).split()
TEACHER, STUDENT = "openai:gpt-4o", "openai:gpt-4o-mini"
# Usage the fake reports per request kind, so costs can be computed by hand.
EXAMPLE_USAGE, JUDGE_USAGE, POLICY_USAGE = (400, 80), (300, 60), (500, 120)
GOOD_SCORES = {
    "content_quality": 9,
    "instruction_alignment": 9,
    "factual_correctness": 9,
    "formatting": 9,
    "training_utility": 9,
    "feedback": [],
}
SAVINGS = re.compile(r"saved \$[\d.,]+ \([\d.]+%\) vs teacher-only \$[\d.,]+")


def schema_name(request: RecordedRequest) -> str | None:
    fmt = request.body.get("response_format") or {}
    return (fmt.get("json_schema") or {}).get("name")


def varied_answer(request: RecordedRequest) -> Behavior:
    """A distinct QA record per distinct request, good judge scores, the server's default policy."""
    name = schema_name(request)
    rng = random.Random(request.key)
    if name == "judge_scores":
        return ok(text=json.dumps(GOOD_SCORES), usage=JUDGE_USAGE)
    if name == "example":
        question = " ".join(rng.choice(WORDS) for _ in range(12)).capitalize() + "?"
        answer = " ".join(rng.choice(WORDS) for _ in range(25)).capitalize() + "."
        return ok(text=json.dumps({"question": question, "answer": answer}), usage=EXAMPLE_USAGE)
    return ok(usage=POLICY_USAGE)


def cheap_judged(bulk_rows: int) -> int:
    """How many of the first ``bulk_rows`` student rows the default judge policy sends to the cheap judge."""
    config = GenerationConfig(data_type="qa", count=bulk_rows + 1, teacher=TEACHER, student=STUDENT)
    keys = (item_key(Stage.bulk, index) for index in range(bulk_rows))
    return sum(judge_route(config, key, Stage.bulk) == "cheap" for key in keys)


def cli_app(server: FakeProviderServer | None, config_dir: Path | None = None) -> typer.Typer:
    """A host app whose credentials point every provider at ``server`` (no key when it is None)."""
    app = typer.Typer()

    def credentials(provider: str) -> Credentials | None:
        if server is None:
            return None
        # The Gemini SDK adds its own API version (/v1beta) to the server's root.
        base_url = server.url if provider == "google" else server.openai_base_url
        return Credentials(api_key="sk-test", base_url=base_url)

    register(app, credentials=credentials, config_dir=config_dir)
    return app


def invoke(app: typer.Typer, *args: str | Path) -> Result:
    return CliRunner().invoke(app, [str(arg) for arg in args])


def generate_args(output: Path, count: int, *extra: str) -> list[str | Path]:
    return [
        "generate",
        "--data-type",
        "qa",
        "--domain",
        "Customer Support",
        "--count",
        str(count),
        "--output",
        output,
        "--teacher",
        TEACHER,
        "--student",
        STUDENT,
        "--concurrency",
        "4",
        *extra,
    ]


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def paid_twice(server: FakeProviderServer) -> list[str]:
    """Bodies the server answered with a 200 more than once: requests that were paid for twice."""
    answered = Counter(r.key for r in server.requests if r.status == 200)
    return [key for key, count in answered.items() if count > 1]


def cost(model: str, usage: tuple[int, int], times: int = 1) -> Decimal:
    """What ``times`` requests of ``usage`` cost at the bundled prices."""
    value = PriceTable.load(None).cost_of(model, TokenUsage(*usage))
    assert value is not None
    return value * times
