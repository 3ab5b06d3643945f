"""Hugging Face export: dataset card, save_to_disk round trip, byte-identical directories, gated push."""

from __future__ import annotations

import fnmatch
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from distillation.export import (
    DEFAULT_SPLITS,
    DatasetCardInfo,
    HubTarget,
    export,
    render_dataset_card,
    size_category,
)
from distillation.testing.fake_hub import FakeHubServer

CARD = DatasetCardInfo(
    pretty_name="Support QA",
    description="Customer-support answers.",
    license="apache-2.0",
    tags=("customer-support",),
    teacher_model="openai:gpt-4o",
    student_model="local:smollm2-135m",
    judge_model="anthropic:claude-haiku-4-5",
    prompt_version="abc123",
    created=date(2025, 5, 1),
    filtering={"removed_duplicates": 12, "removed_low_score": 30},
)


def front_matter(card: str) -> dict[str, Any]:
    assert card.startswith("---\n")
    data = yaml.safe_load(card.split("---\n")[1])
    assert isinstance(data, dict)
    return data


def test_card_front_matter_has_hub_metadata() -> None:
    card = render_dataset_card(CARD, {"train": 900, "test": 100, "validation": 1100})
    meta = front_matter(card)
    assert meta["license"] == "apache-2.0"
    assert meta["pretty_name"] == "Support QA"
    assert meta["size_categories"] == ["1K<n<10K"]
    assert meta["tags"] == ["customer-support", "distillation", "synthetic"]
    assert meta["task_categories"] == ["text-generation"]
    assert meta["configs"][0]["data_files"] == [
        {"split": "test", "path": "data/test-*"},
        {"split": "train", "path": "data/train-*"},
        {"split": "validation", "path": "data/validation-*"},
    ]
    parquet = render_dataset_card(replace(CARD, file_extension="parquet"), {"train": 1})
    assert front_matter(parquet)["configs"][0]["data_files"] == [
        {"split": "train", "path": "data/train-*.parquet"}
    ]


def test_card_body_names_models_counts_and_filtering() -> None:
    card = render_dataset_card(CARD, {"train": 900, "test": 100})
    assert "# Support QA" in card
    assert "| train | 900 |" in card
    assert "| **total** | 1000 |" in card
    for text in ("openai:gpt-4o", "local:smollm2-135m", "anthropic:claude-haiku-4-5", "abc123", "2025-05-01"):
        assert text in card
    assert "- removed duplicates: 12" in card
    assert "## Limitations" in card


def test_card_is_deterministic_and_omits_unknown_fields() -> None:
    minimal = DatasetCardInfo(pretty_name="x")
    assert render_dataset_card(minimal, {"train": 1}) == render_dataset_card(minimal, {"train": 1})
    text = render_dataset_card(minimal, {"train": 1})
    assert "## How it was made" not in text
    assert "## Filtering" not in text
    assert "Generated on" not in text


def test_card_survives_yaml_special_characters() -> None:
    tricky = DatasetCardInfo(pretty_name='a: "b" # c\n- d')
    assert front_matter(render_dataset_card(tricky, {"train": 1}))["pretty_name"] == 'a: "b" # c\n- d'


@pytest.mark.parametrize(
    ("rows", "label"),
    [(0, "n<1K"), (999, "n<1K"), (1000, "1K<n<10K"), (99_999, "10K<n<100K"), (5_000_000, "1M<n<10M")],
)
def test_size_category(rows: int, label: str) -> None:
    assert size_category(rows) == label


def test_hub_target_validates_repo_and_hides_token() -> None:
    target = HubTarget("me/my-data", token="hf_secret")
    assert "hf_secret" not in repr(target)
    for bad in ("no-owner", "../x/y", "a/b/c", "me/"):
        with pytest.raises(ValueError, match="repo id"):
            HubTarget(bad, token="t")


def qa(i: int) -> dict[str, Any]:
    messages = [{"role": "user", "content": f"q{i}"}, {"role": "assistant", "content": f"a{i}"}]
    return {"messages": messages, "metadata": {"item_key": i}}


@pytest.fixture
def datasets_module() -> Any:
    return pytest.importorskip("datasets")


def test_save_to_disk_round_trip(tmp_path: Path, datasets_module: Any) -> None:
    data = [qa(i) for i in range(50)]
    result = export(data, "hf", tmp_path / "ds", splits=DEFAULT_SPLITS, card=CARD)
    loaded = datasets_module.load_from_disk(str(tmp_path / "ds"))
    assert {name: len(split) for name, split in loaded.items()} == result.counts
    rows = [row for name in sorted(loaded) for row in loaded[name]]
    assert sorted(r["messages"][0]["content"] for r in rows) == sorted(f"q{i}" for i in range(50))
    assert front_matter((tmp_path / "ds" / "README.md").read_text())["pretty_name"] == "Support QA"


def test_without_splits_a_single_train_split_is_written(tmp_path: Path, datasets_module: Any) -> None:
    result = export([qa(1), qa(2)], "hf", tmp_path / "ds", style="instruction")
    assert result.counts == {"train": 2}
    loaded = datasets_module.load_from_disk(str(tmp_path / "ds"))
    assert loaded["train"][0]["instruction"] == "q1"


def test_empty_split_still_loads(tmp_path: Path, datasets_module: Any) -> None:
    result = export([qa(1)], "hf", tmp_path / "ds", splits={"train": 0.5, "test": 0.5})
    loaded = datasets_module.load_from_disk(str(tmp_path / "ds"))
    assert sorted(len(split) for split in loaded.values()) == sorted(result.counts.values()) == [0, 1]


def test_same_input_gives_byte_identical_directories(tmp_path: Path, datasets_module: Any) -> None:
    data = [qa(i) for i in range(40)]
    export(data, "hf", tmp_path / "a" / "ds", splits=DEFAULT_SPLITS, card=CARD)
    export(data, "hf", tmp_path / "b" / "ds", splits=DEFAULT_SPLITS, card=CARD)
    a, b = tmp_path / "a" / "ds", tmp_path / "b" / "ds"
    files = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    assert any(f.suffix == ".arrow" for f in files)
    assert all((a / f).read_bytes() == (b / f).read_bytes() for f in files)


def test_refuses_to_write_into_a_non_empty_directory(tmp_path: Path, datasets_module: Any) -> None:
    (tmp_path / "ds").mkdir()
    (tmp_path / "ds" / "keep.txt").write_text("mine")
    with pytest.raises(FileExistsError):
        export([qa(1)], "hf", tmp_path / "ds")
    assert [p.name for p in (tmp_path / "ds").iterdir()] == ["keep.txt"]


@pytest.mark.usefixtures("hub_online")
def test_push_happens_only_with_a_target_and_sends_the_saved_folder(
    tmp_path: Path, datasets_module: Any
) -> None:
    with FakeHubServer({"hf_t": "me"}) as hub:
        plain = export([qa(1)], "hf", tmp_path / "local")
        assert plain.hub_url is None
        assert hub.requests == []

        target = HubTarget("me/support-qa", token="hf_t")
        pushed = export([qa(1), qa(2)], "hf", tmp_path / "ds", card=CARD, hub=target, hub_endpoint=hub.url)
        repo = hub.repos["me/support-qa"]
    assert pushed.hub_url == f"{hub.url}/datasets/me/support-qa"
    assert repo.private is True
    assert "train/data-00000-of-00001.arrow" in repo.files
    # The card's configs name the files that were sent.
    meta = front_matter(repo.files["README.md"].decode())
    assert meta["configs"][0]["data_files"] == [{"split": "train", "path": "train/*.arrow"}]
    local = tmp_path / "ds"
    assert all(fnmatch.filter(repo.files, f["path"]) for f in meta["configs"][0]["data_files"])
    assert repo.files["README.md"] == (local / "README.md").read_bytes()


def test_a_failed_save_leaves_nothing_behind(
    tmp_path: Path, datasets_module: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_save(self: Any, path: str, **kwargs: Any) -> None:
        Path(path).mkdir(parents=True)
        (Path(path) / "half-written.arrow").write_bytes(b"x")
        raise OSError("disk full")

    monkeypatch.setattr(datasets_module.DatasetDict, "save_to_disk", broken_save)
    with pytest.raises(OSError, match="disk full"):
        export([qa(1)], "hf", tmp_path / "ds")
    assert list(tmp_path.iterdir()) == []


def test_an_existing_empty_directory_is_filled(tmp_path: Path, datasets_module: Any) -> None:
    (tmp_path / "ds").mkdir()
    export([qa(1)], "hf", tmp_path / "ds")
    assert (tmp_path / "ds" / "dataset_dict.json").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ds"]
