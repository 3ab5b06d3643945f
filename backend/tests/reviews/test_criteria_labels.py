"""Ratings per judge criterion and labels of classification rows: checked, applied, and calibrated."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from app.core.config import Settings
from app.models import Role
from tests.conftest import migrate
from tests.datasets.factories import chat, client_as, example, seed_dataset

API = "/api/v1/datasets"
TASK = "Classify the following text."


def classified(position: int, label: str, *, typed: bool = True, **fields: Any) -> dict[str, Any]:
    """A classification row answering ``label``; ``typed`` rows keep their record, as a job writes them."""
    text = f"text {position}"
    record = {"text": text, "label": label, "labels": fields.pop("labels", None)} if typed else None
    return example(position, messages=chat(f"{TASK}\n\nText: {text}", label), record=record, **fields)


async def _ids(client: httpx.AsyncClient, dataset_id: uuid.UUID) -> list[str]:
    return [e["id"] for e in (await client.get(f"{API}/{dataset_id}/examples")).json()["items"]]


async def _put(
    client: httpx.AsyncClient, dataset_id: uuid.UUID, example_id: str, **body: Any
) -> httpx.Response:
    return await client.put(f"{API}/{dataset_id}/review/{example_id}", json=body)


async def test_criteria_are_rated_only_on_the_judges_criteria(any_settings: Settings) -> None:
    await migrate(any_settings)
    scores = {"content_quality": 8.0, "alignment": 7, "reason": "fine"}
    dataset_id = await seed_dataset(any_settings, [example(0, score=7.5, scores=scores), example(1)])
    async with client_as(any_settings, Role.editor) as client:
        ids = await _ids(client, dataset_id)
        rated = await _put(client, dataset_id, ids[0], status="accepted", criteria={"alignment": 2})
        unknown = await _put(
            client, dataset_id, ids[0], status="accepted", criteria={"tone": 3, "alignment": 4}
        )
        words = await _put(client, dataset_id, ids[0], status="accepted", criteria={"reason": 3})
        too_high = await _put(client, dataset_id, ids[0], status="accepted", criteria={"alignment": 6})
        too_low = await _put(client, dataset_id, ids[0], status="accepted", criteria={"alignment": 0})
        unscored = await _put(client, dataset_id, ids[1], status="rejected", criteria={"alignment": 3})
        labelled = await _put(client, dataset_id, ids[1], status="accepted", label="billing")
        kept = (await client.get(f"{API}/{dataset_id}/review/progress")).json()
        next_row = (await client.get(f"{API}/{dataset_id}/review/next")).json()
    assert rated.status_code == 200, rated.text
    assert (rated.json()["criteria"], rated.json()["label"]) == ({"alignment": 2}, None)
    assert unknown.status_code == 422
    assert unknown.json()["detail"] == (
        "the judge did not score this row on tone; its criteria: alignment, content_quality"
    )
    # A criterion the judge explained in words has no score to compare a rating with.
    assert words.status_code == 422
    assert "on reason;" in words.json()["detail"]
    assert (too_high.status_code, too_low.status_code) == (422, 422)
    assert unscored.status_code == 422
    assert unscored.json()["detail"].endswith("its criteria: none")
    assert labelled.status_code == 422
    assert "only rows of a classification dataset take a label" in labelled.json()["detail"]
    assert kept["accepted"] == 1  # the refused decisions stored nothing
    assert (next_row["label"], next_row["labels"]) == (None, None)


async def test_labels_are_checked_and_applied_into_the_rows(any_settings: Settings) -> None:
    await migrate(any_settings)
    rows = [
        classified(0, "billing", score=8.0),
        classified(1, "technical"),
        # An uploaded row: no typed record, its label is the answer.
        classified(2, "shipping", typed=False),
        classified(3, "yes", labels=["yes", "no"]),
    ]
    dataset_id = await seed_dataset(any_settings, rows, data_type="classification")
    async with client_as(any_settings) as client:
        ids = await _ids(client, dataset_id)
        first = (await client.get(f"{API}/{dataset_id}/review/next")).json()
        last = (await client.get(f"{API}/{dataset_id}/review/next", params={"after": 2})).json()
        outside = await _put(client, dataset_id, ids[0], status="accepted", label="refund")
        not_stated = await _put(client, dataset_id, ids[3], status="accepted", label="billing")
        edited = await _put(
            client, dataset_id, ids[0], status="edited", label="technical", messages=chat("q", "technical")
        )
        relabel = await _put(client, dataset_id, ids[0], status="accepted", label="technical")
        same = await _put(client, dataset_id, ids[1], status="accepted", label="technical")
        rejected = await _put(client, dataset_id, ids[2], status="rejected", label="billing")
        stated = await _put(client, dataset_id, ids[3], status="accepted", label="no")
        progress = (await client.get(f"{API}/{dataset_id}/review/progress")).json()
        applied = await client.post(f"{API}/{dataset_id}/review/apply", json={"version": 1})
        after = (await client.get(f"{API}/{dataset_id}/examples")).json()["items"]
        details = {
            e["item_key"]: (await client.get(f"{API}/{dataset_id}/examples/{e['id']}")).json() for e in after
        }
    assert (first["example"]["item_key"], first["label"]) == ("k0000", "billing")
    # The dataset's labels: every row's label (record or answer) and every stated label set.
    assert first["labels"] == ["billing", "no", "shipping", "technical", "yes"]
    assert (last["label"], last["labels"]) == ("yes", ["yes", "no"])
    assert outside.status_code == 422
    assert outside.json()["detail"] == (
        "label 'refund' is not one of the row's labels: billing, no, shipping, technical, yes"
    )
    assert not_stated.status_code == 422
    assert not_stated.json()["detail"].endswith("labels: yes, no")
    assert edited.status_code == 400, edited.text
    for response in (relabel, same, rejected, stated):
        assert response.status_code == 200, response.text
    # Row 0 and row 3 get new labels and row 2 goes; row 1 keeps the label it had.
    assert progress["to_apply"] == 3
    assert applied.status_code == 200, applied.text
    assert applied.json() == {"version": 2, "affected": 3, "example_count": 3}
    assert sorted(details) == ["k0000", "k0001", "k0003"]
    row0, row1, row3 = details["k0000"], details["k0001"], details["k0003"]
    assert (row0["record"]["label"], row0["messages"][-1]["content"], row0["score"]) == (
        "technical",
        "technical",
        None,
    )
    assert row0["record"]["text"] == "text 0"
    correction = row0["provenance"]["label_correction"]
    assert {k: correction[k] for k in ("from", "to", "source")} == {
        "from": "billing",
        "to": "technical",
        "source": "review",
    }
    assert row0["provenance"]["edited_from"] == ids[0]
    assert (row1["id"], row1["record"]["label"]) == (ids[1], "technical")
    assert (row3["record"]["label"], row3["record"]["labels"], row3["messages"][-1]["content"]) == (
        "no",
        ["yes", "no"],
        "no",
    )


# position: (label, judge score, accuracy score, reviewer's label, accuracy rating, clarity rating)
GOLD: dict[int, tuple[str, float, float, str | None, int | None, int | None]] = {
    0: ("billing", 9.0, 9.0, "billing", 5, 4),
    1: ("billing", 8.0, 8.0, "technical", 4, None),
    2: ("technical", 7.0, 7.0, "technical", 2, 2),
    3: ("technical", 6.0, 6.0, None, 3, None),
    4: ("shipping", 5.0, 3.0, "billing", 1, None),
    5: ("shipping", 4.0, 5.0, "shipping", None, None),
}


async def test_calibration_per_criterion_and_labels_worked_by_hand(any_settings: Settings) -> None:
    await migrate(any_settings)
    rows = [
        classified(p, label, score=score, scores={"accuracy": accuracy, "clarity": 5.0 + p, "note": "ok"})
        for p, (label, score, accuracy, *_) in GOLD.items()
    ]
    dataset_id = await seed_dataset(any_settings, rows, data_type="classification")
    async with client_as(any_settings) as admin:
        ids = await _ids(admin, dataset_id)
        for p, (_, _, _, given, accuracy, clarity) in GOLD.items():
            criteria = {k: v for k, v in (("accuracy", accuracy), ("clarity", clarity)) if v is not None}
            response = await _put(
                admin, dataset_id, ids[p], status="accepted", label=given, criteria=criteria
            )
            assert response.status_code == 200, response.text
        before = await admin.get(f"{API}/{dataset_id}/calibration")
        applied = await admin.post(f"{API}/{dataset_id}/review/apply", json={})
        after = await admin.get(f"{API}/{dataset_id}/calibration")
    assert before.status_code == 200, before.text
    body = before.json()
    # Accuracy ratings 5, 4, 2, 3, 1 against scores 9, 8, 7, 6, 3: rank differences 0, 0, 1, 1, 0, so
    # rho = 1 - 6 * 2 / (5 * (25 - 1)) = 0.9. Clarity has 2 ratings: too few for rho.
    assert [{k: c[k] for k in ("criterion", "rated", "spearman")} for c in body["criteria"]] == [
        {"criterion": "accuracy", "rated": 5, "spearman": 0.9},
        {"criterion": "clarity", "rated": 2, "spearman": None},
    ]
    assert 0 < body["criteria"][0]["spearman_p"] < 0.1
    # 5 labelled rows; the reviewers kept the label of rows 0, 2 and 5: 3/5.
    assert body["labels"] == {
        "labelled": 5,
        "agreement": 0.6,
        "confusion": [
            {"dataset_label": "billing", "reviewer_label": "billing", "rows": 1},
            {"dataset_label": "billing", "reviewer_label": "technical", "rows": 1},
            {"dataset_label": "shipping", "reviewer_label": "billing", "rows": 1},
            {"dataset_label": "shipping", "reviewer_label": "shipping", "rows": 1},
            {"dataset_label": "technical", "reviewer_label": "technical", "rows": 1},
        ],
    }
    # Applying relabels rows 1 and 4; the gold set still compares with the labels the reviewers read.
    assert applied.status_code == 200, applied.text
    assert applied.json()["affected"] == 2
    assert after.status_code == 200, after.text
    assert (after.json()["criteria"], after.json()["labels"]) == (body["criteria"], body["labels"])
