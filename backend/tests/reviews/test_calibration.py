"""Calibrating the judge against the gold set: numbers worked by hand, on SQLite and PostgreSQL."""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import httpx
import pytest

from app.core.config import Settings
from app.models import Role
from app.reviews.calibration import confusion, kappa, on_slider, recommend, spearman
from app.reviews.schemas import Confusion
from tests.conftest import migrate
from tests.datasets.factories import chat, client_as, example, seed_dataset

API = "/api/v1/datasets"

# position: (judge score, latest decision, rating). Row 9 has no score; row 10 is never reviewed.
GOLD: dict[int, tuple[float | None, str, int | None]] = {
    0: (9.0, "accepted", 5),
    1: (8.0, "accepted", 4),
    2: (7.5, "edited", 4),
    3: (7.0, "accepted", 3),
    4: (6.0, "rejected", 2),
    5: (5.0, "accepted", 3),
    6: (4.0, "rejected", 1),
    7: (3.0, "rejected", 2),
    8: (2.0, "rejected", None),
    9: (None, "accepted", 5),
}


def matrix(a: int, b: int, c: int, d: int) -> Confusion:
    """Both keep, human keeps and judge removes, human removes and judge keeps, both remove."""
    return Confusion(both_keep=a, human_keep_judge_remove=b, human_remove_judge_keep=c, both_remove=d)


def test_kappa_matches_hand_worked_matrices() -> None:
    # n=10, agreement 7/10, chance (5*6 + 5*4)/100 = 1/2: kappa (0.7 - 0.5) / 0.5 = 0.4.
    assert kappa(matrix(4, 1, 2, 3)) == Fraction(2, 5)
    # n=9 (the gold set below at 6): agreement 63/81, chance 41/81: kappa 22/40.
    assert kappa(matrix(4, 1, 1, 3)) == Fraction(11, 20)
    # Perfect agreement on both verdicts is 1; total disagreement on a balanced set is -1.
    assert kappa(matrix(3, 0, 0, 2)) == 1
    assert kappa(matrix(0, 2, 2, 0)) == -1
    # Both sides keep everything: chance agreement is 1 and kappa is undefined, not a division by zero.
    assert kappa(matrix(4, 0, 0, 0)) is None
    assert kappa(matrix(0, 0, 0, 0)) is None


def test_confusion_keeps_a_score_equal_to_the_threshold() -> None:
    rows = [(True, 7.0), (True, 6.9), (False, 7.0), (False, 1.0)]
    assert confusion(rows, 7.0) == matrix(1, 1, 1, 1)


def test_recommend_breaks_ties_by_agreement_then_the_lower_threshold() -> None:
    half, third = Fraction(1, 2), Fraction(1, 3)
    assert recommend([(6.0, half, Fraction(3, 4)), (7.0, half, Fraction(4, 5))])[0] == 7.0
    assert recommend([(6.0, half, Fraction(3, 4)), (7.0, half, Fraction(3, 4))])[0] == 6.0
    assert recommend([(5.0, None, Fraction(1)), (6.0, third, Fraction(1, 2))])[0] == 6.0
    assert recommend([(5.0, None, Fraction(1, 2)), (6.0, None, Fraction(1))])[0] == 6.0


def test_slider_steps_and_spearman_edges() -> None:
    assert (on_slider(7.75), on_slider(7.7), on_slider(0.3), on_slider(10.0)) == (7.7, 7.7, 0.3, 10.0)
    assert spearman([(1, 1.0), (2, 2.0)]) == (None, None)  # too few rows
    assert spearman([(3, 1.0), (3, 2.0), (3, 5.0)]) == (None, None)  # constant ratings: no NaN
    rho, p = spearman([(1, 1.0), (2, 2.0), (3, 3.0), (4, 4.0)])
    assert (rho, p) == (1.0, 0.0)


async def _gold_dataset(settings: Settings, client: httpx.AsyncClient, editor: httpx.AsyncClient) -> str:
    rows = [
        example(p, score=score, scores={"content_quality": score, "reason": f"judged {p}"})
        for p, (score, _, _) in GOLD.items()
    ]
    dataset_id = str(await seed_dataset(settings, [*rows, example(10, score=8.5)]))
    ids = [e["id"] for e in (await client.get(f"{API}/{dataset_id}/examples")).json()["items"]]
    # Another reviewer's earlier verdict on row 4 is replaced by the latest one.
    first = await editor.put(f"{API}/{dataset_id}/review/{ids[4]}", json={"status": "accepted", "rating": 5})
    assert first.status_code == 200, first.text
    for position, (_, status, rating) in GOLD.items():
        body: dict[str, Any] = {"status": status, "rating": rating, "comment": f"row {position}"}
        if status == "edited":
            body["messages"] = chat(f"question {position}", "a reviewer's answer")
        response = await client.put(f"{API}/{dataset_id}/review/{ids[position]}", json=body)
        assert response.status_code == 200, response.text
    return dataset_id


async def test_calibration_numbers_on_a_hand_built_gold_set(any_settings: Settings) -> None:
    await migrate(any_settings)
    async with client_as(any_settings) as admin, client_as(any_settings, Role.editor) as editor:
        dataset_id = await _gold_dataset(any_settings, admin, editor)
        best = await admin.get(f"{API}/{dataset_id}/calibration")
        at_six = await admin.get(f"{API}/{dataset_id}/calibration", params={"threshold": 6})
        applied = await admin.post(f"{API}/{dataset_id}/review/apply", json={})
        after_apply = await admin.get(f"{API}/{dataset_id}/calibration")
        at_eight = (await admin.get(f"{API}/{dataset_id}/calibration", params={"threshold": 8})).json()
        six_after = (await admin.get(f"{API}/{dataset_id}/calibration", params={"threshold": 6})).json()
    assert best.status_code == 200, best.text
    body = best.json()
    assert {k: body[k] for k in ("version", "gold", "scored", "unscored", "rated")} == {
        "version": 1,
        "gold": 10,
        "scored": 9,
        "unscored": 1,
        "rated": 8,
    }
    # Ranks of the 8 rated rows: rho = 37 / sqrt(42 * 40.5), worked by hand with tied ratings averaged.
    assert body["spearman"] == round(37 / math.sqrt(42 * 40.5), 4) == 0.8971
    assert 0 < body["spearman_p"] < 0.01
    # At 7: judge keeps rows 0-3; humans keep 0-3 and 5. Agreement 8/9, chance 40/81: kappa 32/41.
    assert body["recommended"] == {"threshold": 7.0, "kappa": round(32 / 41, 4), "agreement": round(8 / 9, 4)}
    assert (body["threshold"], body["kappa"], body["agreement"]) == (7.0, 0.7805, 0.8889)
    assert body["confusion"] == {
        "both_keep": 4,
        "human_keep_judge_remove": 1,
        "human_remove_judge_keep": 0,
        "both_remove": 4,
    }
    assert [c["threshold"] for c in body["candidates"]] == [2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 7.5, 8.0, 9.0]
    assert body["candidates"][3] == {"threshold": 5.0, "kappa": round(30 / 39, 4), "agreement": 0.8889}
    assert body["disagreement_count"] == 1
    [only] = body["disagreements"]
    assert {k: only[k] for k in ("item_key", "score", "human", "status", "rating", "comment", "current")} == {
        "item_key": "k0005",
        "score": 5.0,
        "human": "keep",
        "status": "accepted",
        "rating": 3,
        "comment": "row 5",
        "current": True,
    }
    assert only["reasons"] == {"content_quality": 5.0, "reason": "judged 5"}
    assert only["question"] == "question 5"

    assert at_six.status_code == 200, at_six.text
    six = at_six.json()
    # At 6 row 4 (rejected, the editor's earlier acceptance replaced) is kept too: kappa 22/40.
    assert (six["threshold"], six["kappa"], six["agreement"]) == (6.0, 0.55, round(7 / 9, 4))
    assert six["confusion"] == {
        "both_keep": 4,
        "human_keep_judge_remove": 1,
        "human_remove_judge_keep": 1,
        "both_remove": 3,
    }
    assert [(d["item_key"], d["human"], d["comment"]) for d in six["disagreements"]] == [
        ("k0004", "remove", "row 4"),
        ("k0005", "keep", "row 5"),
    ]
    assert six["recommended"]["threshold"] == 7.0

    # Applied, the rejected rows leave the dataset and row 2 is replaced, unscored: the gold set stays.
    assert applied.status_code == 200, applied.text
    assert after_apply.status_code == 200, after_apply.text
    again = after_apply.json()
    assert again["version"] == 2
    assert {k: again[k] for k in ("gold", "scored", "kappa", "spearman", "confusion")} == {
        k: body[k] for k in ("gold", "scored", "kappa", "spearman", "confusion")
    }
    # At 8 the edited row (7.5, kept by its reviewer) disagrees: shown with the reasons of the text read.
    edited = next(d for d in at_eight["disagreements"] if d["item_key"] == "k0002")
    assert (edited["score"], edited["status"], edited["current"]) == (7.5, "edited", True)
    assert edited["reasons"] == {"content_quality": 7.5, "reason": "judged 2"}
    # The rejected row 4 is gone from v2 but stays in the gold set.
    rejected = next(d for d in six_after["disagreements"] if d["item_key"] == "k0004")
    assert (rejected["human"], rejected["score"], rejected["current"]) == ("remove", 6.0, False)


async def test_too_few_gold_rows_is_a_clear_409(any_settings: Settings) -> None:
    await migrate(any_settings)
    dataset_id = await seed_dataset(
        any_settings, [example(0, score=3.0), example(1, score=8.0), example(2, score=5.0), example(3)]
    )
    async with client_as(any_settings) as client:
        empty = await client.get(f"{API}/{dataset_id}/calibration")
        rows = (await client.get(f"{API}/{dataset_id}/examples")).json()["items"]
        for row in rows:
            await client.put(f"{API}/{dataset_id}/review/{row['id']}", json={"status": "accepted"})
        three = await client.get(f"{API}/{dataset_id}/calibration")
    assert empty.status_code == 409
    assert empty.json() == {
        "error": "too_few_gold_rows",
        "detail": "0 reviewed row(s) with a judge score; calibrating the judge needs at least 5: "
        "review 5 more scored row(s)",
    }
    # The unscored row is reviewed but does not count.
    assert three.status_code == 409
    assert three.json()["detail"].startswith("3 reviewed row(s) with a judge score")


@pytest.mark.parametrize("threshold", ["11", "-1", "x"])
async def test_a_bad_threshold_is_refused(sqlite_settings: Settings, threshold: str) -> None:
    await migrate(sqlite_settings)
    dataset_id = await seed_dataset(sqlite_settings, 1)
    async with client_as(sqlite_settings) as client:
        response = await client.get(f"{API}/{dataset_id}/calibration", params={"threshold": threshold})
    assert response.status_code == 422


async def test_viewers_read_the_calibration_and_strangers_do_not(sqlite_settings: Settings) -> None:
    await migrate(sqlite_settings)
    async with client_as(sqlite_settings) as admin, client_as(sqlite_settings, Role.editor) as editor:
        dataset_id = await _gold_dataset(sqlite_settings, admin, editor)
    async with client_as(sqlite_settings, Role.viewer) as viewer:
        read = await viewer.get(f"{API}/{dataset_id}/calibration", params={"threshold": 7})
        missing = await viewer.get(f"{API}/00000000-0000-0000-0000-000000000000/calibration")
    async with httpx.AsyncClient(transport=viewer._transport, base_url=str(viewer.base_url)) as anonymous:
        signed_out = await anonymous.get(f"{API}/{dataset_id}/calibration")
    assert read.status_code == 200, read.text
    assert read.json()["kappa"] == 0.7805
    assert missing.status_code == 404
    assert signed_out.status_code == 401
