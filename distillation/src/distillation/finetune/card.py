"""The model card (``README.md``) written beside the adapter: what was trained, on what, and how well."""

from __future__ import annotations

from typing import TYPE_CHECKING

from distillation.finetune.log import perplexity

if TYPE_CHECKING:
    from distillation.finetune.api import FinetuneResult
    from distillation.finetune.config import FinetuneConfig

_BUNDLED_NOTE = (
    "The base model is the bundled SmolLM2-135M-Instruct (135M parameters), dequantized from the "
    "Q4_1 GGUF file that ships with Distillery. It is tiny: a tuned copy learns the format and style "
    "of the data, not new knowledge, and its answers stay weak."
)


def model_card(
    result: FinetuneResult, config: FinetuneConfig, *, base_name: str, dataset: str, bundled: bool
) -> str:
    """The card's Markdown, with the YAML header the Hugging Face Hub reads."""
    header = "\n".join(
        [
            "---",
            f"base_model: {base_name}",
            "library_name: peft",
            "pipeline_tag: text-generation",
            "tags:",
            "- lora",
            "- distillery",
            *(["- gguf"] if result.gguf_files else []),
            "---",
        ]
    )
    sections = [
        header,
        f"# LoRA adapter for {base_name}",
        f"Fine-tuned by Distillery on `{dataset}`: {result.train_rows} training rows, "
        f"{result.heldout_rows} held-out rows (never used as exemplars, never trained on). The loss "
        "covers the assistant turns only, rendered through the base model's chat template.",
        "## Results\n\n" + _results(result),
        "## Training settings\n\n" + _settings(config),
        "## Use\n\n" + _usage(bundled),
    ]
    if result.merged_dir is not None or result.gguf_files:
        sections.append("## Files\n\n" + _files(result))
    if bundled:
        sections.append("## Limitations\n\n" + _BUNDLED_NOTE)
    return "\n\n".join(sections) + "\n"


def _results(result: FinetuneResult) -> str:
    rows = [
        ("status", result.status),
        ("steps", f"{result.steps} of {result.total_steps}"),
        ("final training loss", _number(result.train_loss)),
        ("held-out loss", _number(result.eval_loss)),
        ("held-out perplexity", _number(None if result.eval_loss is None else perplexity(result.eval_loss))),
        ("tokens trained on", f"{result.trained_tokens:,}"),
        ("throughput", f"{result.tokens_per_s:,.0f} tokens/s on {result.device} ({result.dtype})"),
    ]
    return _table(("metric", "value"), rows)


def _settings(config: FinetuneConfig) -> str:
    steps = str(config.max_steps) if config.max_steps else f"{config.epochs:g} epoch(s)"
    rows = [
        ("LoRA r / alpha / dropout", f"{config.lora_r} / {config.lora_alpha} / {config.lora_dropout:g}"),
        ("target modules", ", ".join(config.target_modules)),
        ("length", steps),
        (
            "learning rate",
            f"{config.learning_rate:g}, {config.lr_scheduler}, warm-up {config.warmup_ratio:g}",
        ),
        ("batch size × accumulation", f"{config.batch_size} × {config.gradient_accumulation}"),
        ("max sequence length", str(config.max_seq_length)),
        ("seed", str(config.seed)),
    ]
    return _table(("setting", "value"), rows)


def _usage(bundled: bool) -> str:
    load = (
        "from distillation.finetune import load_run_model\n\n"
        'model, tokenizer = load_run_model("path/to/this/run")'
    )
    note = (
        "`load_run_model` rebuilds the base model from the bundled GGUF file and applies the adapter."
        if bundled
        else "`load_run_model` loads the base model from the path recorded in `run.json`."
    )
    peft = 'With `peft` directly: `PeftModel.from_pretrained(base_model, "path/to/this/run/adapter")`.'
    return f"```python\n{load}\n```\n\n{note} {peft}"


def _files(result: FinetuneResult) -> str:
    """The merged model and the GGUF exports, with how to load each."""
    lines = ["- `adapter/`: the LoRA adapter (peft format) and the tokenizer."]
    if result.merged_dir is not None:
        lines.append(
            "- `merged/`: the base model with the adapter merged in, transformers format: "
            '`AutoModelForCausalLM.from_pretrained("path/to/this/run/merged")`.'
        )
    for path in result.gguf_files:
        lines.append(f"- `gguf/{path.name}`: for llama.cpp, llama-cpp-python, Ollama or LM Studio.")
    if result.modelfile is not None:
        lines.append(
            "- `gguf/Modelfile`: `cd gguf && ollama create <name> -f Modelfile`, then `ollama run <name>`."
        )
    return "\n".join(lines)


def _table(header: tuple[str, str], rows: list[tuple[str, str]]) -> str:
    lines = [f"| {header[0]} | {header[1]} |", "| --- | --- |"]
    lines += [f"| {name} | {value} |" for name, value in rows]
    return "\n".join(lines)


def _number(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.4f}"
