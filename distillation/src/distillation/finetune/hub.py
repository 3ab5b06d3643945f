"""Push a fine-tune run's outputs to a Hugging Face Hub model repo, with a model card.

The chosen outputs of the run folder (the LoRA adapter, the merged model, the GGUF exports with the
Ollama ``Modelfile``) are laid out in a staging folder inside the run (hard links, so multi-gigabyte
weights are not copied) and committed in one go by :func:`distillation.export.hub.upload_folder`, the
same machinery as dataset pushes: the token is checked first, never logged, and every refusal becomes a
:class:`~distillation.export.hub.HubPushError` in words.

Layout of the repo: the main output at the root, so it loads from the repo id alone (the merged model
when pushed, else the adapter, else the GGUF files); any other output in its own folder (``adapter/``,
``gguf/``). ``README.md`` is the run's model card with a Hub header: ``base_model``, ``library_name``
(``peft`` for an adapter at the root, ``transformers`` for a merged model, ``gguf`` for GGUF files
alone), tags, and sections for the files pushed and the evaluation, when one is given.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal

import yaml

from distillation.export.hf import HubTarget
from distillation.export.hub import DEFAULT_HUB_ENDPOINT, upload_folder
from distillation.finetune.model import FinetuneError
from distillation.finetune.outputs import RunPaths, read_run

__all__ = ["MODEL_OUTPUTS", "ModelOutput", "ModelPushResult", "available_outputs", "push_model"]

ModelOutput = Literal["adapter", "merged", "gguf"]
MODEL_OUTPUTS: Final[tuple[ModelOutput, ...]] = ("adapter", "merged", "gguf")
# Which output sits at the root of the repo when several are pushed: the first chosen of these.
_ROOT_ORDER: Final[tuple[ModelOutput, ...]] = ("merged", "adapter", "gguf")
_HOW_TO_GET: Final[dict[ModelOutput, str]] = {
    "adapter": "the run has no adapter: it did not complete",
    "merged": "the run has no merged model: fine-tune it with merge on (--merge)",
    "gguf": "the run has no GGUF export: fine-tune it with a GGUF format (--gguf f16)",
}


@dataclass(frozen=True, slots=True)
class ModelPushResult:
    """What was pushed: the repo, its URL, the commit, the outputs and every file sent."""

    repo_id: str
    url: str
    commit_url: str
    outputs: tuple[ModelOutput, ...]
    files: tuple[str, ...]


def available_outputs(run_dir: Path) -> tuple[ModelOutput, ...]:
    """The outputs the run folder holds, in ``MODEL_OUTPUTS`` order."""
    paths = RunPaths(run_dir)
    found: list[ModelOutput] = []
    if (paths.adapter / "adapter_config.json").is_file():
        found.append("adapter")
    if (paths.merged / "config.json").is_file():
        found.append("merged")
    if paths.gguf.is_dir() and any(paths.gguf.glob("*.gguf")):
        found.append("gguf")
    return tuple(found)


def push_model(
    run_dir: Path,
    target: HubTarget,
    *,
    what: Iterable[str] = ("adapter",),
    endpoint: str | None = None,
    evaluation: Mapping[str, Any] | None = None,
    progress: Callable[[str], None] | None = None,
) -> ModelPushResult:
    """Push the chosen outputs of the completed run in ``run_dir`` to the model repo ``target``.

    Args:
        run_dir: The run folder (``run.json``, ``adapter/``, ``merged/``, ``gguf/``, ``README.md``).
        target: Repo id, token and visibility (private unless told).
        what: Outputs to push: any of ``adapter``, ``merged``, ``gguf``.
        endpoint: The Hub's address (``https://huggingface.co`` by default).
        evaluation: An evaluation report (``EvaluationReport`` as JSON) summarised in the card.
        progress: Called with a short line at each step.

    Returns:
        The repo, its URL, the commit and the files sent.

    Raises:
        ValueError: No output chosen, an unknown one, or one the run does not hold.
        FinetuneError: ``run_dir`` holds no completed run.
        HubPushError: The Hub refused the push or could not be reached.
    """
    chosen = _choose(what)
    record = read_run(run_dir)
    if record.get("status") != "completed":
        raise FinetuneError(f"{run_dir} holds a run that is {record.get('status', 'unknown')}, not completed")
    present = available_outputs(run_dir)
    missing = [name for name in chosen if name not in present]
    if missing:
        raise ValueError("; ".join(_HOW_TO_GET[name] for name in missing))
    note = progress or (lambda _line: None)
    paths = RunPaths(run_dir)
    root = next(name for name in _ROOT_ORDER if name in chosen)
    staging = Path(tempfile.mkdtemp(prefix=".hub-push-", dir=run_dir))
    try:
        note("laying out the files")
        for name in chosen:
            _stage_output(paths, name, staging if name == root else staging / name)
        files = tuple(sorted(str(p.relative_to(staging)) for p in staging.rglob("*") if p.is_file()))
        card = hub_card(run_dir, chosen, root, files, evaluation=evaluation)
        (staging / "README.md").write_text(card, encoding="utf-8")
        files = tuple(sorted((*files, "README.md")))
        commit_url = upload_folder(
            staging,
            target,
            endpoint=endpoint,
            progress=note,
            message=f"Upload {', '.join(chosen)} from Distillery",
            repo_type="model",
        )
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    base = (endpoint or DEFAULT_HUB_ENDPOINT).rstrip("/")
    return ModelPushResult(target.repo_id, f"{base}/{target.repo_id}", commit_url, chosen, files)


def _choose(what: Iterable[str]) -> tuple[ModelOutput, ...]:
    given = list(dict.fromkeys(what))
    unknown = [name for name in given if name not in MODEL_OUTPUTS]
    if unknown:
        raise ValueError(f"unknown output(s) {', '.join(unknown)}; choose from {', '.join(MODEL_OUTPUTS)}")
    if not given:
        raise ValueError(f"choose at least one output to push: {', '.join(MODEL_OUTPUTS)}")
    return tuple(name for name in MODEL_OUTPUTS if name in given)


def _stage_output(paths: RunPaths, name: ModelOutput, into: Path) -> None:
    """Link (or copy) one output's files into ``into``."""
    if name == "gguf":
        sources = sorted(paths.gguf.glob("*.gguf"))
        if (paths.gguf / "Modelfile").is_file():
            sources.append(paths.gguf / "Modelfile")
        items = [(source, into / source.name) for source in sources]
    else:
        folder = paths.adapter if name == "adapter" else paths.merged
        items = [(f, into / f.relative_to(folder)) for f in sorted(folder.rglob("*")) if f.is_file()]
    for source, destination in items:
        destination.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(source, destination)
        except OSError:
            shutil.copy2(source, destination)


def hub_card(
    run_dir: Path,
    chosen: Sequence[ModelOutput],
    root: ModelOutput,
    files: Sequence[str],
    *,
    evaluation: Mapping[str, Any] | None = None,
) -> str:
    """The repo's ``README.md``: a Hub header, then the run's card, the files and the evaluation."""
    record = read_run(run_dir)
    header, body = _split_card(RunPaths(run_dir).card)
    base_model = str(header.get("base_model") or _adapter_base(run_dir) or record.get("base_model", ""))
    # The run card's tags describe the whole run; the repo's say what it holds.
    tags = [str(tag) for tag in header.get("tags") or ["lora", "distillery"] if tag != "gguf"]
    if "gguf" in chosen:
        tags.append("gguf")
    if "distillery" not in tags:
        tags.append("distillery")
    library = {"adapter": "peft", "merged": "transformers", "gguf": "gguf"}[root]
    relation = {"adapter": "adapter", "merged": "finetune", "gguf": "quantized"}[root]
    front: dict[str, Any] = {
        "base_model": base_model,
        "base_model_relation": relation,
        "library_name": library,
        "pipeline_tag": "text-generation",
        "tags": tags,
    }
    sections = ["---\n" + yaml.safe_dump(front, sort_keys=False, allow_unicode=True) + "---"]
    sections.append(body.strip() or _fallback_body(record, base_model))
    sections.append("## In this repo\n\n" + _repo_files(chosen, root, files))
    if evaluation:
        sections.append("## Evaluation\n\n" + evaluation_summary(evaluation))
    return "\n\n".join(sections) + "\n"


def _split_card(card: Path) -> tuple[dict[str, Any], str]:
    """The run card's YAML header and body (empty when the run has no card)."""
    if not card.is_file():
        return {}, ""
    text = card.read_text(encoding="utf-8")
    if text.startswith("---\n") and "\n---\n" in text[4:]:
        head, body = text[4:].split("\n---\n", 1)
        with contextlib.suppress(yaml.YAMLError):
            data = yaml.safe_load(head)
            if isinstance(data, dict):
                return data, body
        return {}, body
    return {}, text


def _adapter_base(run_dir: Path) -> str | None:
    config = RunPaths(run_dir).adapter / "adapter_config.json"
    if not config.is_file():
        return None
    value = json.loads(config.read_text()).get("base_model_name_or_path")
    return str(value) if value else None


def _fallback_body(record: Mapping[str, Any], base_model: str) -> str:
    config = record.get("config") or {}
    rows = "\n".join(f"| {key} | {value} |" for key, value in sorted(config.items()) if value is not None)
    return (
        f"# Fine-tune of {base_model}\n\nFine-tuned by Distillery on `{record.get('dataset', 'n/a')}`.\n\n"
        f"## Training settings\n\n| setting | value |\n| --- | --- |\n{rows}"
    )


def _repo_files(chosen: Sequence[ModelOutput], root: ModelOutput, files: Sequence[str]) -> str:
    def where(name: ModelOutput) -> str:
        return "the root of this repo" if name == root else f"`{name}/`"

    lines = []
    if "merged" in chosen:
        lines.append(
            f"- The merged model (transformers format) at {where('merged')}: "
            f'`AutoModelForCausalLM.from_pretrained("<this repo>"'
            f"{'' if root == 'merged' else ', subfolder=' + repr('merged')})`."
        )
    if "adapter" in chosen:
        sub = "" if root == "adapter" else ', subfolder="adapter"'
        lines.append(
            f"- The LoRA adapter (peft format) at {where('adapter')}: "
            f'`PeftModel.from_pretrained(base_model, "<this repo>"{sub})`.'
        )
    if "gguf" in chosen:
        ggufs = [Path(f).name for f in files if f.endswith(".gguf")]
        lines.append(
            f"- GGUF exports at {where('gguf')} ({', '.join(f'`{name}`' for name in ggufs)}) for llama.cpp, "
            "llama-cpp-python, Ollama or LM Studio"
            + (", with an Ollama `Modelfile`." if any(f.endswith("Modelfile") for f in files) else ".")
        )
    return "\n".join(lines)


def evaluation_summary(report: Mapping[str, Any]) -> str:
    """An ``EvaluationReport`` (as JSON) as Markdown: one row per model, then the pairwise win rates."""
    metrics = (
        ("held-out loss", "heldout_loss", "{:.4f}"),
        ("format validity", "format_validity", "{:.0%}"),
        ("exact match", "exact_match", "{:.0%}"),
        ("field accuracy", "field_accuracy", "{:.0%}"),
        ("ROUGE-L", "rouge_l", "{:.3f}"),
        ("judge score", "judge_score", "{:.2f}"),
        ("cost / 1k answers", "cost_per_1000", "${:.4f}"),
        ("latency median (s)", "latency_median_s", "{:.2f}"),
    )
    models = [m for m in report.get("models") or [] if isinstance(m, Mapping)]
    used = [m for m in metrics if any(entry.get(m[1]) is not None for entry in models)]
    source = "a gold set" if report.get("rows_source") == "gold" else "the run's held-out rows"
    parts = [f"On {source} ({len(report.get('heldout_ids') or [])} rows)."]
    if models and used:
        lines = [
            "| model | " + " | ".join(label for label, _, _ in used) + " |",
            "| --- |" + " --- |" * len(used),
        ]
        for entry in models:
            cells = [_cell(entry.get(key), fmt) for _, key, fmt in used]
            lines.append(
                f"| {entry.get('role', '?')} ({entry.get('model', '?')}) | " + " | ".join(cells) + " |"
            )
        parts.append("\n".join(lines))
    pairs = [p for p in report.get("pairwise") or [] if isinstance(p, Mapping)]
    if pairs:
        lines = ["| tuned vs | win | tie | loss | rows | judge |", "| --- | --- | --- | --- | --- | --- |"]
        for pair in pairs:
            rates = [_cell(pair.get(key), "{:.0%}") for key in ("win_rate", "tie_rate", "loss_rate")]
            lines.append(
                f"| {pair.get('opponent', '?')} ({pair.get('opponent_model', '?')}) | "
                + " | ".join(rates)
                + f" | {pair.get('rows', 0)} | {pair.get('judge', '?')} |"
            )
        parts.append("Judged pairwise, both orders (a row counts as a win only when both orders agree):")
        parts.append("\n".join(lines))
    return "\n\n".join(parts)


def _cell(value: Any, fmt: str) -> str:
    """A number of the report (Decimals come as strings in JSON) formatted, or ``n/a``."""
    try:
        return "n/a" if value is None else fmt.format(float(value))
    except (TypeError, ValueError):
        return str(value)
