"""``finetune()``: a dataset file in, a LoRA adapter, its training log and model card out."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel

from distillation.finetune.base import choose_target_modules, load_model_4bit, model_architecture
from distillation.finetune.card import model_card
from distillation.finetune.checkpoint import CheckpointStore
from distillation.finetune.config import BUNDLED_BASE_MODEL, Device, FinetuneConfig
from distillation.finetune.data import DatasetError, Split, data_hash, heldout_split, load_rows
from distillation.finetune.export import export_gguf, write_modelfile
from distillation.finetune.gguf_header import read_gguf_header
from distillation.finetune.log import TrainingLog
from distillation.finetune.loop import (
    EvalCallback,
    GradNormCallback,
    LoopOutcome,
    LoraTrainer,
    StepCallback,
    StopCheck,
)
from distillation.finetune.model import (
    BaseModelSource,
    DeviceChoice,
    load_model,
    load_tokenizer,
    load_tuned,
    pick_device,
    require,
    resolve_base_model,
)
from distillation.finetune.outputs import RunPaths, claim, read_run, save_adapter, save_merged, write_run
from distillation.finetune.preflight import PreflightReport, preflight

PreflightCallback = Callable[[PreflightReport], None]


class FinetuneResult(BaseModel):
    """What a run produced.

    Attributes:
        status: ``completed``, or ``cancelled`` when ``should_stop`` stopped it (rerun to resume).
        output_dir: The run folder.
        adapter_dir: The adapter (written when completed).
        merged_dir: The merged model, when asked for and completed.
        gguf_files: The GGUF exports, when asked for and completed.
        modelfile: The Ollama ``Modelfile`` beside the GGUF exports.
        target_modules: The modules that got adapters (chosen for the architecture by default).
        log_path: The training log (JSONL).
        card_path: The model card (written when completed).
        checkpoint_dir: The newest checkpoint, if one was written.
        steps: Optimizer steps done.
        total_steps: Steps the run takes in all.
        resumed_from_step: The checkpoint step this session started from, None for a fresh start.
        train_rows: Rows trained on.
        heldout_rows: Rows held out for evaluation.
        train_loss: Loss of the last step.
        eval_loss: The last held-out loss (None without held-out rows).
        trained_tokens: Tokens the loss covered, over the whole run.
        tokens_per_s: Non-padding tokens per second of training-step time.
        elapsed_s: Wall time of this call, loading included.
        device: Device trained on.
        dtype: Weight dtype on that device.
    """

    status: Literal["completed", "cancelled"]
    output_dir: Path
    adapter_dir: Path
    merged_dir: Path | None
    gguf_files: list[Path] = []
    modelfile: Path | None = None
    target_modules: tuple[str, ...] = ()
    log_path: Path
    card_path: Path
    checkpoint_dir: Path | None
    steps: int
    total_steps: int
    resumed_from_step: int | None
    train_rows: int
    heldout_rows: int
    train_loss: float | None
    eval_loss: float | None
    trained_tokens: int
    tokens_per_s: float
    elapsed_s: float
    device: str
    dtype: str


def finetune(
    dataset: Path | Iterable[Mapping[str, Any]],
    output_dir: Path,
    config: FinetuneConfig | None = None,
    *,
    on_step: StepCallback | None = None,
    on_eval: EvalCallback | None = None,
    on_preflight: PreflightCallback | None = None,
    should_stop: StopCheck | None = None,
    on_grad_norm: GradNormCallback | None = None,
    resume: bool = True,
    overwrite: bool = False,
) -> FinetuneResult:
    """LoRA-fine-tune the base model on ``dataset``; resume from the last checkpoint when there is one.

    Args:
        dataset: A dataset file (JSONL, JSON or CSV in any view ``distillery`` reads) or chat records.
        output_dir: The run folder (see :mod:`distillation.finetune.outputs` for its layout).
        config: Settings; defaults train the bundled SmolLM2-135M.
        on_step: ``on_step(step, total, loss, lr, tokens_per_s)`` after every optimizer step.
        on_eval: ``on_eval(step, eval_loss)`` after every held-out evaluation.
        on_preflight: Receives the pre-flight report before it is enforced (to show it).
        should_stop: Polled before every step; True saves a checkpoint and returns ``cancelled``.
        on_grad_norm: ``on_grad_norm(step, norm)`` after every optimizer step, before ``on_step``: the
            gradient's total norm before clipping.
        resume: Continue from the newest checkpoint of the same run (same settings and data).
        overwrite: Replace a run folder that holds another run.

    Returns:
        The result; a run already completed in ``output_dir`` returns its recorded result at once.

    Raises:
        DatasetError: Rows cannot be read, or the pre-flight check refused them.
        FinetuneError: The model, the device or the run folder cannot be used.

    Example:
        >>> from distillation.finetune import FinetuneConfig, finetune
        >>> config = FinetuneConfig(max_steps=20)
        >>> result = finetune(Path("qa.jsonl"), Path("runs/qa"), config)  # doctest: +SKIP
        >>> result.adapter_dir  # doctest: +SKIP
        PosixPath('runs/qa/adapter')
    """
    started = time.monotonic()
    config = config or FinetuneConfig()
    paths = RunPaths(output_dir)
    rows = load_rows(dataset)
    split = heldout_split(rows, config.heldout_fraction, config.seed)
    source = resolve_base_model(config.base_model)
    tokenizer = load_tokenizer(source)
    report = preflight(
        tokenizer, [*split.train, *split.heldout], config.max_seq_length, drop_long_rows=config.drop_long_rows
    )
    if on_preflight is not None:
        on_preflight(report)
    report.raise_for_problems()
    fingerprint = config.run_fingerprint(data_hash(rows))
    finished = claim(paths, fingerprint, resume=resume, overwrite=overwrite)
    if finished is not None:
        return FinetuneResult.model_validate(finished["result"])
    record = _record(config, fingerprint, dataset, split)
    write_run(paths, {**record, "status": "running"})
    trainer, device, resumed = _trainer(config, source, tokenizer, split, report, paths, fingerprint, resume)
    outcome = trainer.run(on_step, on_eval, should_stop, on_grad_norm)
    result = _result(outcome, trainer, paths, device, resumed, time.monotonic() - started, config)
    if outcome.status == "completed":
        result = _save(trainer.model, tokenizer, result, config, source, dataset)
    write_run(paths, {**record, "status": result.status, "result": result.model_dump(mode="json")})
    return result


def preflight_dataset(
    dataset: Path | Iterable[Mapping[str, Any]], config: FinetuneConfig | None = None
) -> PreflightReport:
    """The pre-flight check of ``finetune`` alone: rows, split and template, without loading weights.

    Raises:
        DatasetError: Rows cannot be read or split (template problems are in the report, not raised).
        FinetuneError: The base model's tokenizer cannot be loaded.
    """
    config = config or FinetuneConfig()
    split = heldout_split(load_rows(dataset), config.heldout_fraction, config.seed)
    tokenizer = load_tokenizer(resolve_base_model(config.base_model))
    return preflight(
        tokenizer, [*split.train, *split.heldout], config.max_seq_length, drop_long_rows=config.drop_long_rows
    )


def load_run_model(output_dir: Path, device: Device = "auto") -> tuple[Any, Any]:
    """The tuned model of a completed run (base + adapter, eval mode) and its tokenizer.

    Raises:
        FinetuneError: ``output_dir`` holds no completed run.
    """
    run = read_run(output_dir)
    source = resolve_base_model(run["base_model"])
    choice = pick_device(device)
    paths = RunPaths(output_dir)
    return load_tuned(paths.adapter, source, choice), load_tokenizer(source)


def _trainer(
    config: FinetuneConfig,
    source: BaseModelSource,
    tokenizer: Any,
    split: Split,
    report: PreflightReport,
    paths: RunPaths,
    fingerprint: str,
    resume: bool,
) -> tuple[LoraTrainer, DeviceChoice, int | None]:
    torch, peft = require("torch"), require("peft")
    device = pick_device(config.device)
    torch.manual_seed(config.seed)  # the adapters' initial weights
    if config.quantize == "4bit":
        base = load_model_4bit(source, device.device)
        base = peft.prepare_model_for_kbit_training(
            base, use_gradient_checkpointing=config.gradient_checkpointing
        )
    else:
        base = load_model(source, device)
        if config.gradient_checkpointing:
            base.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
            base.enable_input_require_grads()
    targets = choose_target_modules(base, config.target_modules, model_architecture(base))
    lora = peft.LoraConfig(
        r=config.lora_r,
        lora_alpha=config.lora_alpha,
        lora_dropout=config.lora_dropout,
        target_modules=list(targets),
        bias="none",
        task_type="CAUSAL_LM",
    )
    model = peft.get_peft_model(base, lora)
    train = [report.tokenized[row.id] for row in split.train if row.id in report.tokenized]
    heldout = [report.tokenized[row.id] for row in split.heldout if row.id in report.tokenized]
    if not train:
        raise DatasetError("no training rows are left after the held-out split")
    store = CheckpointStore(paths.checkpoints, fingerprint, config.keep_checkpoints)
    log = TrainingLog(paths.log)
    trainer = LoraTrainer(
        model, config, train, heldout, pad_id=tokenizer.pad_token_id, log=log, checkpoints=store
    )
    checkpoint = store.latest() if resume else None
    if checkpoint is None:
        log.reset()
        return trainer, device, None
    trainer.resume(checkpoint)
    return trainer, device, trainer.state.step


def _record(
    config: FinetuneConfig, fingerprint: str, dataset: Path | Iterable[Mapping[str, Any]], split: Split
) -> dict[str, Any]:
    return {
        "fingerprint": fingerprint,
        "base_model": config.base_model,
        "dataset": str(dataset) if isinstance(dataset, Path) else "(records in memory)",
        "config": config.model_dump(mode="json"),
        "heldout_ids": split.heldout_ids,
    }


def _result(
    outcome: LoopOutcome,
    trainer: LoraTrainer,
    paths: RunPaths,
    device: DeviceChoice,
    resumed: int | None,
    elapsed: float,
    config: FinetuneConfig,
) -> FinetuneResult:
    state = outcome.state
    return FinetuneResult(
        status=outcome.status,
        output_dir=paths.root,
        adapter_dir=paths.adapter,
        merged_dir=paths.merged if config.merge or config.gguf else None,
        target_modules=tuple(sorted(trainer.model.peft_config["default"].target_modules)),
        log_path=paths.log,
        card_path=paths.card,
        checkpoint_dir=outcome.checkpoint,
        steps=state.step,
        total_steps=outcome.total_steps,
        resumed_from_step=resumed,
        train_rows=len(trainer.train),
        heldout_rows=len(trainer.heldout),
        train_loss=state.last_loss,
        eval_loss=state.last_eval_loss,
        trained_tokens=state.trained_tokens,
        tokens_per_s=trainer.tokens_per_s,
        elapsed_s=round(elapsed, 2),
        device=device.device,
        dtype=device.dtype,
    )


def _save(
    model: Any,
    tokenizer: Any,
    result: FinetuneResult,
    config: FinetuneConfig,
    source: BaseModelSource,
    dataset: Path | Iterable[Mapping[str, Any]],
) -> FinetuneResult:
    """Write the adapter, then the merged model and GGUF exports when asked for, then the card."""
    paths = RunPaths(result.output_dir)
    save_adapter(model, tokenizer, paths, source.card_name)
    if config.merge or config.gguf:
        if config.quantize != "none":  # merge into full-precision weights, not the 4-bit ones
            model = load_tuned(paths.adapter, source, DeviceChoice("cpu", "float32"))
        save_merged(model, tokenizer, paths)
    if config.gguf:
        name = _export_name(source, result.output_dir)
        files = export_gguf(paths.merged, paths.gguf, config.gguf, name=name, pre=_gguf_pre(source))
        modelfile = write_modelfile(paths.gguf, _preferred(files), paths.merged)
        result = result.model_copy(update={"gguf_files": files, "modelfile": modelfile})
    bundled = config.base_model == BUNDLED_BASE_MODEL
    name = dataset.name if isinstance(dataset, Path) else "records given in memory"
    card_config = config.model_copy(update={"target_modules": result.target_modules or config.target_modules})
    card = model_card(result, card_config, base_name=source.card_name, dataset=name, bundled=bundled)
    paths.card.write_text(card)
    return result


def _export_name(source: BaseModelSource, output_dir: Path) -> str:
    base = source.card_name.rsplit("/", 1)[-1]
    return f"{base}-{output_dir.name}".replace(" ", "-")


def _gguf_pre(source: BaseModelSource) -> str | None:
    """The pre-tokenizer of a GGUF base model, kept for its export (None: chosen by architecture)."""
    if source.gguf_file is None:
        return None
    pre = read_gguf_header(source.directory / source.gguf_file).metadata.get("tokenizer.ggml.pre")
    return pre if isinstance(pre, str) else None


def _preferred(files: list[Path]) -> Path:
    """The file a ``Modelfile`` points at: q8_0 when written, else the first."""
    return next((path for path in files if path.stem.endswith("q8_0")), files[0])
