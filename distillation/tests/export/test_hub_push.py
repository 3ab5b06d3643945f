"""Hub push against the local fake Hub: files, card, loadable data, and a clear error per failure."""

from __future__ import annotations

import fnmatch
import io
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from distillation.export import DatasetCardInfo, HubPushError, HubTarget, push_dataset
from distillation.testing.fake_hub import FakeHubServer

pytest.importorskip("huggingface_hub")

CARD = DatasetCardInfo(
    pretty_name="Support QA",
    license="apache-2.0",
    language=("en",),
    teacher_model="openai:gpt-4o",
    student_model="local:smollm2-135m",
    judge_model="openai:gpt-4o-mini",
    judge_policy="keep score >= 7",
    cost_usd=0.0123,
)

# The fake Hub must be reachable even in a run that collected the fine-tune tests (HF_HUB_OFFLINE).
pytestmark = pytest.mark.usefixtures("hub_online")


def qa(i: int) -> dict[str, Any]:
    messages = [{"role": "user", "content": f"q{i}"}, {"role": "assistant", "content": f"a{i}"}]
    return {"messages": messages}


def front_matter(card: str) -> dict[str, Any]:
    assert card.startswith("---\n")
    data = yaml.safe_load(card.split("---\n")[1])
    assert isinstance(data, dict)
    return data


@pytest.mark.parametrize("fmt", ["parquet", "jsonl"])
def test_push_sends_split_files_and_a_card_that_names_them(fmt: str, tmp_path: Path) -> None:
    datasets = pytest.importorskip("datasets")
    splits = {"train": 0.8, "test": 0.2}
    lines: list[str] = []
    with FakeHubServer({"hf_good": "alice"}) as hub:
        result = push_dataset(
            [qa(i) for i in range(30)],
            HubTarget("alice/support-qa", token="hf_good", private=False),
            fmt=fmt,
            splits=splits,
            card=CARD,
            endpoint=hub.url,
            progress=lines.append,
        )
        repo = hub.repos["alice/support-qa"]
    assert repo.repo_type == "dataset"
    assert repo.private is False
    assert sorted(repo.files) == [
        "README.md",
        f"data/test-00000-of-00001.{fmt}",
        f"data/train-00000-of-00001.{fmt}",
    ]
    assert result.total == 30
    assert result.url == f"{hub.url}/datasets/alice/support-qa"
    assert lines[0] == "writing the files"
    assert lines[-1] == "pushed"
    card = repo.files["README.md"].decode()
    meta = front_matter(card)
    assert meta["license"] == "apache-2.0"
    assert meta["language"] == ["en"]
    assert meta["task_categories"] == ["text-generation"]
    assert meta["size_categories"] == ["n<1K"]
    data_files = meta["configs"][0]["data_files"]
    assert {f["split"] for f in data_files} == {"train", "test"}
    for entry in data_files:
        assert fnmatch.filter(repo.files, entry["path"]) == [f"data/{entry['split']}-00000-of-00001.{fmt}"]
    for text in ("openai:gpt-4o", "local:smollm2-135m", "keep score >= 7", "$0.0123", "**Rows:** 30"):
        assert text in card
    # What the fake stored loads with `datasets`, split by split, as the card's configs say.
    local = tmp_path / "pulled"
    for name, content in repo.files.items():
        (local / name).parent.mkdir(parents=True, exist_ok=True)
        (local / name).write_bytes(content)
    builder = "parquet" if fmt == "parquet" else "json"
    files = {e["split"]: str(local / fnmatch.filter(repo.files, e["path"])[0]) for e in data_files}
    loaded = datasets.load_dataset(builder, data_files=files, cache_dir=str(tmp_path / "cache"))
    assert {name: len(split) for name, split in loaded.items()} == result.counts
    assert sorted(r["messages"][0]["content"] for s in loaded.values() for r in s) == sorted(
        f"q{i}" for i in range(30)
    )
    if fmt == "jsonl":
        first = repo.files["data/train-00000-of-00001.jsonl"].splitlines()[0]
        assert "messages" in json.loads(first)
    else:
        pq = pytest.importorskip("pyarrow.parquet")
        assert pq.read_table(io.BytesIO(repo.files["data/train-00000-of-00001.parquet"])).num_rows > 0


def test_a_second_push_commits_to_the_existing_repo() -> None:
    with FakeHubServer({"hf_good": "alice"}) as hub:
        target = HubTarget("alice/ds", token="hf_good")
        push_dataset([qa(1)], target, endpoint=hub.url)
        push_dataset([qa(1), qa(2)], target, endpoint=hub.url)
        repo = hub.repos["alice/ds"]
    assert len(repo.commits) == 2
    assert sorted(repo.files) == ["README.md", "data/train-00000-of-00001.parquet"]
    assert repo.private is True


def test_a_bad_token_is_a_clear_401_without_the_token() -> None:
    with FakeHubServer({"hf_good": "alice"}) as hub:
        with pytest.raises(HubPushError) as caught:
            push_dataset([qa(1)], HubTarget("alice/ds", token="hf_wrong_secret"), endpoint=hub.url)
        assert hub.repos == {}
    assert caught.value.kind == "unauthorized"
    assert "401" in str(caught.value)
    assert "hf_wrong_secret" not in str(caught.value)


def test_another_owners_repo_is_a_clear_403() -> None:
    with FakeHubServer({"hf_good": "alice"}) as hub:
        with pytest.raises(HubPushError) as caught:
            push_dataset([qa(1)], HubTarget("bob/ds", token="hf_good"), endpoint=hub.url)
    assert caught.value.kind == "forbidden"
    assert "bob/ds" in str(caught.value)
    assert "403" in str(caught.value)


def test_an_unreachable_hub_is_reported_as_such() -> None:
    hub = FakeHubServer({"hf_good": "alice"})
    address = hub.url
    hub.stop()  # nothing listens on the port any more
    with pytest.raises(HubPushError) as caught:
        push_dataset([qa(1)], HubTarget("alice/ds", token="hf_good"), endpoint=address)
    assert caught.value.kind == "unreachable"
    assert "cannot be reached" in str(caught.value)


def test_only_parquet_and_jsonl_are_pushed() -> None:
    with pytest.raises(ValueError, match="parquet or jsonl"):
        push_dataset([qa(1)], HubTarget("alice/ds", token="t"), fmt="csv")
