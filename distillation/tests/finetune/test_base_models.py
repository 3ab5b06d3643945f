"""Any base model: tiny Llama and Qwen2 models (random weights) from a folder and from the HF cache.

Nothing is downloaded (the conftest sets HF_HUB_OFFLINE): the models are built here, saved to a folder
or to a Hugging Face cache layout under ``tmp_path``, fine-tuned for a few steps, merged, loaded back
with transformers, exported to GGUF and answered through llama-cpp-python.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
import typer
from typer.testing import CliRunner

from distillation.cli import register
from distillation.finetune import (
    DEFAULT_TARGET_MODULES,
    FinetuneConfig,
    FinetuneError,
    FinetuneResult,
    choose_target_modules,
    describe_base_model,
    finetune,
    resolve_base_model,
)
from distillation.testing.tiny_models import (
    chat_rows,
    save_tiny,
    save_tiny_in_cache,
    tiny_model,
    tiny_tokenizer,
)

MODEL_ID = "tiny-org/tiny-qwen2"


@pytest.fixture
def hub_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty Hugging Face hub cache this test's lookups read."""
    cache = tmp_path / "hf-home" / "hub"
    cache.mkdir(parents=True)
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_CACHE", str(cache))
    return cache


def _config(base_model: str, **settings: Any) -> FinetuneConfig:
    return FinetuneConfig(
        base_model=base_model, max_steps=3, batch_size=4, max_seq_length=64, heldout_fraction=0,
        learning_rate=1e-3, lora_r=4, lora_alpha=8, device="cpu", **settings,
    )  # fmt: skip


@pytest.mark.slow
def test_a_model_id_resolves_from_the_local_cache_and_is_described_from_its_headers(hub_cache: Path) -> None:
    snapshot = save_tiny_in_cache(hub_cache, MODEL_ID, "qwen2")

    source = resolve_base_model(MODEL_ID)
    assert source.directory == snapshot
    assert source.gguf_file is None
    assert source.card_name == MODEL_ID

    info = describe_base_model(MODEL_ID, batch_size=2, max_seq_length=64)
    tokenizer = tiny_tokenizer()
    expected = tiny_model("qwen2", len(tokenizer)).num_parameters()
    assert info.kind == "hub_cache"
    assert info.architecture == "qwen2"
    assert info.params == expected
    assert info.bytes_on_disk == (snapshot / "model.safetensors").stat().st_size
    assert (info.hidden_size, info.layers, info.vocab_size) == (64, 2, len(tokenizer))
    assert info.device == "cpu"
    assert info.estimate_memory_bytes > info.params * 4  # float32 weights, plus activations
    assert info.estimate_tokens_per_s > 0
    assert info.estimate_seconds(1000) == pytest.approx(1000 / info.estimate_tokens_per_s)
    assert info.qlora_available is False  # no CUDA here
    assert info.target_modules == DEFAULT_TARGET_MODULES


def test_a_model_id_missing_from_the_cache_names_the_cache_and_downloads_nothing(hub_cache: Path) -> None:
    with pytest.raises(FinetuneError, match="not in the local Hugging Face cache") as caught:
        resolve_base_model("nobody/not-cached")
    assert str(hub_cache) in str(caught.value)
    assert not any(hub_cache.iterdir())  # nothing was fetched or created


def test_a_gguf_file_is_described_from_its_metadata() -> None:
    info = describe_base_model("local:smollm2-135m")
    assert info.kind == "bundled"
    assert info.architecture == "llama"
    assert 130e6 < info.params < 140e6
    assert (info.hidden_size, info.layers, info.vocab_size) == (576, 30, 49152)


def test_target_modules_follow_the_architecture_and_explicit_names_are_checked() -> None:
    model = tiny_model("llama", 64)
    assert choose_target_modules(model, DEFAULT_TARGET_MODULES, "llama") == DEFAULT_TARGET_MODULES
    assert choose_target_modules(model, ("q_proj", "v_proj"), "llama") == ("q_proj", "v_proj")
    with pytest.raises(FinetuneError, match="no linear layers named c_attn"):
        choose_target_modules(model, ("c_attn",), "llama")
    unknown = choose_target_modules(model, DEFAULT_TARGET_MODULES, "something-new")
    assert unknown == DEFAULT_TARGET_MODULES  # its names are Llama's, so the default list fits


def test_target_modules_are_found_in_an_architecture_with_other_names() -> None:
    from transformers import GPT2Config, GPT2LMHeadModel

    config = GPT2Config(n_embd=32, n_layer=1, n_head=2, vocab_size=50, n_positions=32)
    model = GPT2LMHeadModel(config)  # type: ignore[no-untyped-call]
    assert choose_target_modules(model, DEFAULT_TARGET_MODULES, "gpt2") == ("c_attn", "c_proj", "c_fc")
    assert "lm_head" not in choose_target_modules(model, DEFAULT_TARGET_MODULES, "unknown")


def test_qlora_is_refused_clearly_without_a_cuda_gpu(tmp_path: Path) -> None:
    base = save_tiny(tmp_path / "llama", "llama")
    with pytest.raises(FinetuneError, match="4-bit QLoRA needs a CUDA GPU"):
        finetune(chat_rows(), tmp_path / "run", _config(str(base), quantize="4bit"))


def _generate_with_transformers(folder: Path) -> list[int]:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model: Any = AutoModelForCausalLM.from_pretrained(folder, local_files_only=True)
    tokenizer: Any = AutoTokenizer.from_pretrained(folder, local_files_only=True)
    text = tokenizer.apply_chat_template(
        [{"role": "user", "content": "What do bees make?"}], add_generation_prompt=True, tokenize=False
    )
    ids = tokenizer(text, return_tensors="pt")["input_ids"]
    out = model.generate(ids, max_new_tokens=4, do_sample=False, pad_token_id=tokenizer.pad_token_id)
    return [int(token) for token in out[0, ids.shape[1] :]]


def _answer_with_llama_cpp(path: Path) -> dict[str, Any]:
    import llama_cpp

    llm: Any = llama_cpp.Llama(str(path), n_ctx=128, n_threads=1, verbose=False)
    try:
        messages = [{"role": "user", "content": "What do bees make?"}]
        answer: dict[str, Any] = llm.create_chat_completion(messages, max_tokens=4, temperature=0)
        return answer
    finally:
        llm.close()


def _logits_agree(merged: Path, gguf_file: Path) -> None:
    """The f16 GGUF computes what the merged model computes (the export's layout is right)."""
    import llama_cpp
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model: Any = AutoModelForCausalLM.from_pretrained(merged, local_files_only=True)
    ids = AutoTokenizer.from_pretrained(merged, local_files_only=True)("What do bees make?")["input_ids"]
    with torch.no_grad():
        expected = model(torch.tensor([ids])).logits[0, -1].numpy()
    llm: Any = llama_cpp.Llama(str(gguf_file), n_ctx=128, n_threads=1, verbose=False, logits_all=True)
    try:
        llm.eval(ids)
        got = np.array(llm.scores[len(ids) - 1])[: len(expected)]
    finally:
        llm.close()
    assert int(got.argmax()) == int(expected.argmax())
    np.testing.assert_allclose(got, expected, atol=5e-3)


def _check_outputs(result: FinetuneResult, kinds: tuple[str, ...]) -> None:
    assert result.status == "completed"
    assert result.merged_dir is not None
    assert len(_generate_with_transformers(result.merged_dir)) > 0
    assert [path.name.rsplit("-", 1)[-1] for path in result.gguf_files] == [f"{k}.gguf" for k in kinds]
    for path in result.gguf_files:
        answer = _answer_with_llama_cpp(path)
        assert answer["usage"]["completion_tokens"] > 0
    _logits_agree(result.merged_dir, result.gguf_files[0])
    assert result.modelfile is not None
    modelfile = result.modelfile.read_text()
    assert f"FROM ./{result.gguf_files[-1].name}" in modelfile or "q8_0" in modelfile
    assert "<|im_start|>" in modelfile  # ChatML, in Ollama's template syntax
    card = result.card_path.read_text()
    assert "q_proj" in card
    assert "- gguf\n" in card
    assert "`merged/`" in card
    assert all(f"`gguf/{path.name}`" in card for path in result.gguf_files)
    assert "ollama create" in card


@pytest.mark.slow
def test_a_llama_folder_is_tuned_merged_and_exported_to_gguf_at_four_types(tmp_path: Path) -> None:
    base = save_tiny(tmp_path / "tiny-llama", "llama")
    kinds = ("f16", "q8_0", "q4_0", "q4_k_m")
    result = finetune(chat_rows(), tmp_path / "run", _config(str(base), gguf=kinds))
    _check_outputs(result, kinds)
    assert result.target_modules == tuple(sorted(DEFAULT_TARGET_MODULES))
    assert result.modelfile is not None
    assert "FROM ./tiny-llama-run-q8_0.gguf" in result.modelfile.read_text()


@pytest.mark.slow
def test_a_qwen2_model_id_from_the_cache_is_tuned_merged_and_exported(
    hub_cache: Path, tmp_path: Path
) -> None:
    save_tiny_in_cache(hub_cache, MODEL_ID, "qwen2")
    result = finetune(chat_rows(), tmp_path / "run", _config(MODEL_ID, merge=True, gguf=("f16", "q8_0")))
    _check_outputs(result, ("f16", "q8_0"))
    assert "base_model: tiny-org/tiny-qwen2" in result.card_path.read_text()


def _cli() -> typer.Typer:
    app = typer.Typer()
    register(app, credentials=lambda provider: None, config_dir=None)
    return app


@pytest.mark.slow
def test_the_cli_takes_a_cached_model_id_merges_and_exports(hub_cache: Path, tmp_path: Path) -> None:
    import json

    save_tiny_in_cache(hub_cache, MODEL_ID, "llama")
    dataset = tmp_path / "rows.jsonl"
    dataset.write_text("".join(json.dumps(row) + "\n" for row in chat_rows()))
    runner, app = CliRunner(), _cli()
    common = ["--max-steps", "1", "--max-seq-length", "64", "--lora-r", "4", "--device", "cpu"]
    common += ["--heldout-fraction", "0"]

    missing = runner.invoke(app, ["finetune", str(dataset), "--base-model", "nobody/absent", *common])
    assert missing.exit_code == 1
    assert "not in the local Hugging Face cache" in " ".join(missing.output.split())
    assert str(hub_cache) in "".join(missing.output.split())

    run = tmp_path / "run"
    args = ["finetune", str(dataset), "--output", str(run), "--base-model", MODEL_ID]
    args += ["--merge", "--gguf", "q4_k_m"]
    done = runner.invoke(app, [*args, *common])
    assert done.exit_code == 0, done.output
    text = " ".join(done.output.split())
    assert f"base model {MODEL_ID} (hub_cache, llama)" in text
    assert "merged model:" in text
    assert "GGUF:" in text
    assert "Ollama Modelfile:" in text
    # q4_k_m is quantized by llama.cpp from an f16 file that is not kept
    assert sorted(path.name for path in (run / "gguf").iterdir()) == [
        "Modelfile",
        "tiny-qwen2-run-q4_k_m.gguf",
    ]
    assert "FROM ./tiny-qwen2-run-q4_k_m.gguf" in (run / "gguf" / "Modelfile").read_text()
    assert (run / "merged" / "config.json").is_file()


@pytest.mark.slow
@pytest.mark.local_model
def test_the_bundled_model_is_tuned_merged_exported_and_answers_in_llama_cpp(
    qa_dataset: Path, tmp_path: Path
) -> None:
    import json

    rows = [{"messages": json.loads(line)["messages"]} for line in qa_dataset.read_text().splitlines()[:6]]
    config = FinetuneConfig(
        max_steps=1, batch_size=2, max_seq_length=256, heldout_fraction=0, lora_r=4, device="cpu",
        gguf=("q8_0",),
    )  # fmt: skip
    result = finetune(rows, tmp_path / "run", config)

    assert result.merged_dir is not None
    assert not (result.merged_dir / "config.json").read_text().count("quantization_config")
    assert [path.name for path in result.gguf_files] == ["SmolLM2-135M-Instruct-run-q8_0.gguf"]
    answer = _answer_with_llama_cpp(result.gguf_files[0])
    assert answer["usage"]["completion_tokens"] > 0
    assert answer["choices"][0]["message"]["content"].strip()  # a real model: real words
    assert result.modelfile is not None
    assert 'PARAMETER stop "<|im_end|>"' in result.modelfile.read_text()
