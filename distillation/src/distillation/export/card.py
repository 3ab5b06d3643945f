"""Generate a Hugging Face dataset card (``README.md``) for an exported dataset.

The card is plain text built from the values given (no clock, no environment), so it is as
reproducible as the data files. Its YAML front matter follows the Hub's dataset-card metadata
(``license``, ``language``, ``task_categories``, ``size_categories``, ``tags``, ``configs``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Final

import yaml

__all__ = ["DatasetCardInfo", "data_path", "render_dataset_card", "size_category"]

_SIZE_BOUNDS: Final = (
    (1_000, "n<1K"),
    (10_000, "1K<n<10K"),
    (100_000, "10K<n<100K"),
    (1_000_000, "100K<n<1M"),
    (10_000_000, "1M<n<10M"),
    (100_000_000, "10M<n<100M"),
    (1_000_000_000, "100M<n<1B"),
)
_FIELDS: Final = {
    "chat": "`messages`: list of `{role, content}` turns (`system`, `user`, `assistant`).",
    "instruction": "`instruction`, `input`, `output`, optional `system` and `history` (Alpaca).",
    "sharegpt": "`conversations`: list of `{from, value}` turns (`system`, `human`, `gpt`).",
    "prompt_completion": "`prompt` and `completion` strings.",
    "flat": "`system`, `user` and `assistant` strings.",
}


@dataclass(frozen=True, slots=True)
class DatasetCardInfo:
    """What the card says about the dataset.

    Attributes:
        pretty_name: Title of the dataset.
        description: A paragraph on what the data is for.
        license: Hub license id; check the teacher provider's terms for synthetic outputs.
        language: Language codes.
        task_categories: Hub task categories.
        tags: Extra tags; ``synthetic`` and ``distillation`` are always added.
        teacher_model: Model that wrote the seed rows.
        student_model: Model that wrote the bulk rows.
        judge_model: Model that scored the rows.
        prompt_version: Version or hash of the generation prompts.
        created: Generation date (passed in, never read from the clock).
        filtering: Filtering and deduplication counts, e.g. ``{"removed_duplicates": 12}``.
        style: The record view the files hold.
        judge_policy: How rows were judged and kept, e.g. ``"score >= 7 of 10 on 100% of rows"``.
        cost_usd: What generating the rows cost, in US dollars.
        file_extension: The data files' extension (``parquet``, ``jsonl``, ``arrow``); the card's
            ``configs`` name ``data/<split>-*.<extension>``.
        data_dir: The folder of the data files (``data`` on the Hub; ``""`` for a ``save_to_disk``
            folder, whose files are ``<split>/*.arrow``).
    """

    pretty_name: str
    description: str = ""
    license: str = "other"
    language: tuple[str, ...] = ("en",)
    task_categories: tuple[str, ...] = ("text-generation",)
    tags: tuple[str, ...] = ()
    teacher_model: str | None = None
    student_model: str | None = None
    judge_model: str | None = None
    prompt_version: str | None = None
    created: date | None = None
    filtering: Mapping[str, int | str] = field(default_factory=dict)
    style: str = "chat"
    judge_policy: str | None = None
    cost_usd: float | None = None
    file_extension: str | None = None
    data_dir: str = "data"


def size_category(rows: int) -> str:
    """The Hub's size bucket for a row count (``"n<1K"``, ``"1K<n<10K"``, ...)."""
    for bound, label in _SIZE_BOUNDS:
        if rows < bound:
            return label
    return "n>1T"


def data_path(info: DatasetCardInfo, split: str) -> str:
    """The ``configs`` pattern of a split's files: ``data/<split>-*.<ext>``, or ``<split>/*.arrow``."""
    if not info.data_dir:
        return f"{split}/*.{info.file_extension or 'arrow'}"
    return f"{info.data_dir}/{split}-*" + (f".{info.file_extension}" if info.file_extension else "")


def render_dataset_card(info: DatasetCardInfo, split_counts: Mapping[str, int]) -> str:
    """Render the card as Markdown with YAML front matter.

    Args:
        info: The dataset description.
        split_counts: Rows per split, e.g. ``{"train": 900, "test": 100}``.

    Returns:
        The full ``README.md`` text.
    """
    total = sum(split_counts.values())
    splits = sorted(split_counts)
    front = {
        "pretty_name": info.pretty_name,
        "license": info.license,
        "language": list(info.language),
        "task_categories": list(info.task_categories),
        "size_categories": [size_category(total)],
        "tags": sorted({"synthetic", "distillation", *info.tags}),
        "configs": [
            {
                "config_name": "default",
                "data_files": [{"split": name, "path": data_path(info, name)} for name in splits],
            }
        ],
    }
    header = yaml.safe_dump(front, sort_keys=True, allow_unicode=True, default_flow_style=False)
    sections = [
        f"---\n{header}---",
        f"# {info.pretty_name}",
        info.description.strip()
        or "Synthetic fine-tuning data distilled from a teacher model with Distillery.",
        _structure(info, split_counts, splits, total),
        _generation(info, total),
        _filtering(info),
        "## Limitations\n\nEvery row was written by a language model and may contain errors, biases or "
        "made-up facts, even after filtering. Review a sample before training on it, and check the "
        "teacher provider's terms on using its outputs.",
    ]
    return "\n\n".join(section for section in sections if section) + "\n"


def _structure(info: DatasetCardInfo, split_counts: Mapping[str, int], splits: list[str], total: int) -> str:
    rows = "\n".join(f"| {name} | {split_counts[name]} |" for name in splits)
    fields = _FIELDS.get(info.style, f"`{info.style}` records.")
    return (
        f"## Dataset structure\n\nEach row holds {fields}\n\n"
        f"| split | rows |\n|---|---|\n{rows}\n| **total** | {total} |"
    )


def _generation(info: DatasetCardInfo, total: int) -> str:
    cost = f"${info.cost_usd:.4f}" if info.cost_usd is not None else None
    items = [
        ("Teacher model", info.teacher_model),
        ("Student model", info.student_model),
        ("Judge model", info.judge_model),
        ("Prompt version", info.prompt_version),
        ("Judge policy", info.judge_policy),
        ("Generation cost", cost),
        ("Generated on", info.created.isoformat() if info.created else None),
    ]
    lines = [f"- **{label}:** `{value}`" for label, value in items if value]
    if not lines:
        return ""
    return "## How it was made\n\n" + "\n".join([*lines, f"- **Rows:** {total}"])


def _filtering(info: DatasetCardInfo) -> str:
    if not info.filtering:
        return ""
    lines = [f"- {key.replace('_', ' ')}: {info.filtering[key]}" for key in sorted(info.filtering)]
    return "## Filtering and deduplication\n\n" + "\n".join(lines)
