"""``python -m bench.varied_server --port P``: the fake provider answering every pipeline request with
distinct, valid content (the stock server's answers are all alike, so every row would be a duplicate).
"""

from __future__ import annotations

import argparse
import json
import random
import threading

from distillation.testing import Behavior, FakeProviderServer, RecordedRequest, ok

WORDS = (
    "invoice refund parcel courier warranty router firmware password subscription upgrade billing "
    "address delivery tracking replacement charger battery screen login account statement transfer "
    "deposit balance contract renewal discount voucher shipment customs insurance claim appointment "
    "prescription dosage allergy symptom schedule meeting agenda budget forecast revenue margin audit"
).split()
SCORES = {
    "content_quality": 9,
    "instruction_alignment": 9,
    "factual_correctness": 9,
    "formatting": 9,
    "training_utility": 9,
    "feedback": [],
}


def varied(request: RecordedRequest) -> Behavior:
    """A distinct QA record per distinct request; good scores for the judge; the default policy."""
    fmt = request.body.get("response_format") or {}
    name = (fmt.get("json_schema") or {}).get("name")
    if name == "judge_scores":
        return ok(text=json.dumps(SCORES), usage=(300, 60))
    if name == "example":
        rng = random.Random(request.key)
        question = " ".join(rng.choice(WORDS) for _ in range(14)).capitalize() + "?"
        answer = " ".join(rng.choice(WORDS) for _ in range(30)).capitalize() + "."
        return ok(text=json.dumps({"question": question, "answer": answer}), usage=(400, 80))
    return ok(usage=(500, 120))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    FakeProviderServer(varied, port=args.port).start()
    threading.Event().wait()


if __name__ == "__main__":
    main()
