"""Helpers of the distill() tests: a fake provider that answers traces, the policy and new pairs."""

from __future__ import annotations

import json
import random
import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from distillation.testing import Behavior, FakeProviderServer, RecordedRequest, ok

WORDS = (
    "parcel courier refund invoice router firmware password warranty battery screen login account "
    "statement transfer deposit balance contract renewal discount voucher shipment customs claim"
).split()
TEACHER, WRITER = "openai:gpt-4o", "openai:gpt-4o-mini"
INSTRUCTION = "You are a friendly support agent. Answer in one or two sentences."
SEEDS = [
    {"input": "My parcel has not arrived after ten days.", "output": "Sorry! Please share the order number."},
    {"input": "How do I reset my router password?", "output": "Hold the reset button for ten seconds."},
    {"input": "I was charged twice this month.", "output": "I will refund the duplicate charge today."},
]
VARIATION = re.compile(r"Write new example number (\d+)")
Output = Callable[[random.Random, int], Any]


def schema_name(request: RecordedRequest) -> str | None:
    fmt = request.body.get("response_format") or {}
    return (fmt.get("json_schema") or {}).get("name")


def variation_of(request: RecordedRequest) -> int:
    match = VARIATION.search(request.text)
    assert match is not None
    return int(match.group(1))


def sentence(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def text_output(rng: random.Random, variation: int) -> Any:
    return sentence(rng, 12)


def amplifier(
    output: Output = text_output, same_pair_every: int = 0
) -> Callable[[RecordedRequest], Behavior]:
    """Answers per request kind; ``same_pair_every=k`` repeats one fixed pair for every k-th variation."""

    def script(request: RecordedRequest) -> Behavior:
        rng = random.Random(request.key)
        name = schema_name(request)
        if name == "reasoning_trace":
            return ok(text=json.dumps({"reasoning": sentence(rng, 20)}), usage=(200, 40))
        if name == "pair":
            variation = variation_of(request)
            if same_pair_every and variation % same_pair_every == 1:
                pair = {"input": "Where is my order?", "output": output(random.Random(0), variation)}
            else:
                pair = {"input": sentence(rng, 10), "output": output(rng, variation)}
            return ok(text=json.dumps(pair), usage=(600, 50))
        return ok(usage=(500, 120))  # the task policy: the server's schema-valid default

    return script


def credentials(server: FakeProviderServer) -> dict[str, Any]:
    return {"openai": {"api_key": "sk-test", "base_url": server.openai_base_url}}


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def paid_twice(server: FakeProviderServer) -> list[str]:
    answered = Counter(r.key for r in server.requests if r.status == 200)
    return [key for key, count in answered.items() if count > 1]
