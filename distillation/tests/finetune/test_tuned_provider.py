"""`tuned:<run>`: a finished fine-tune run answers chat requests through the provider interface.

A tiny Llama model (random weights) is tuned for two steps; the run then answers through its adapter
(transformers + peft) and, once exported, through its GGUF file (llama-cpp-python).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from distillation.cost import PriceTable, TokenUsage
from distillation.finetune import FinetuneConfig, finetune
from distillation.providers import ChatRequest, ConfigurationError, available_providers, get_model
from distillation.testing.tiny_models import chat_rows, save_tiny


@pytest.fixture(autouse=True)
def _library_factory(monkeypatch: pytest.MonkeyPatch) -> None:
    """The library's own ``tuned`` factory, even where a service in this process registered its own."""
    from distillation.providers import registry

    kept = {name: factory for name, factory in registry._FACTORIES.items() if name != "tuned"}
    monkeypatch.setattr(registry, "_FACTORIES", kept)


def _tune(tmp_path: Path, **settings: object) -> Path:
    base = save_tiny(tmp_path / "tiny-llama", "llama")
    config = FinetuneConfig(
        base_model=str(base), max_steps=2, batch_size=4, max_seq_length=64, heldout_fraction=0,
        learning_rate=1e-3, lora_r=4, lora_alpha=8, device="cpu", **settings,
    )  # fmt: skip
    run = tmp_path / "run"
    assert finetune(chat_rows(), run, config).status == "completed"
    return run


async def test_a_tuned_run_answers_through_its_adapter_with_usage_counted_at_no_cost(tmp_path: Path) -> None:
    run = _tune(tmp_path)
    assert "tuned" in available_providers()
    model = get_model(f"tuned:{run}")
    assert model.adapter.backend == "adapter"  # type: ignore[attr-defined]

    # Random weights never say when to stop: the first answer runs to its limit, the second is cut at a
    # stop sequence taken from the first.
    request = ChatRequest.from_prompt("What do bees make?", max_tokens=5)
    first = await model.adapter.complete(request, 60)
    assert first.usage.input_tokens > 5  # the chat template around the prompt
    assert first.usage.output_tokens == 5
    assert first.finish_reason == "length"
    assert first.text

    stop = first.text[len(first.text) // 2 :]
    result = await model.chat(request.model_copy(update={"stop": (stop,)}))
    assert result.model_id == f"tuned:{run}"
    assert result.finish_reason == "stop"
    assert first.text.startswith(result.text)  # greedy: the same answer, cut at the stop sequence
    assert stop not in result.text
    longer = request.model_copy(update={"max_tokens": 40})  # random tokens: long enough to hold spaces
    streamed = [piece async for piece in model.adapter.stream(longer, 60)]  # type: ignore[attr-defined]
    *pieces, whole = streamed
    assert len(pieces) > 1  # the text as it is generated, then the whole answer
    assert "".join(pieces).strip() == whole.text
    assert whole.usage.output_tokens == 40
    assert whole.finish_reason == "length"
    assert PriceTable().cost_of(f"tuned:{run}", TokenUsage(input_tokens=1000, output_tokens=10)) == 0


async def test_a_run_id_resolves_through_run_dir_and_an_unfinished_run_is_refused(tmp_path: Path) -> None:
    run = _tune(tmp_path)
    named = get_model("tuned:my-run", options={"run_dir": str(run)})
    answer = await named.adapter.complete(ChatRequest.from_prompt("Hi", max_tokens=3), 60)
    assert answer.usage.output_tokens == 3

    record = json.loads((run / "run.json").read_text())
    (run / "run.json").write_text(json.dumps({**record, "status": "running"}))
    with pytest.raises(ConfigurationError, match="has not completed"):
        get_model(f"tuned:{run}")
    with pytest.raises(ConfigurationError, match="holds no fine-tune run"):
        get_model(f"tuned:{tmp_path / 'nowhere'}")
    with pytest.raises(ConfigurationError, match="unknown tuned options"):
        get_model("tuned:x", options={"n_gpu": 1})


@pytest.mark.slow
async def test_a_run_with_a_gguf_export_answers_through_llama_cpp(tmp_path: Path) -> None:
    run = _tune(tmp_path, gguf=("f16", "q8_0"))
    model = get_model(f"tuned:{run}", options={"n_ctx": 256, "n_threads": 1})
    assert model.adapter.backend == "gguf"  # type: ignore[attr-defined]
    request = ChatRequest.from_prompt("What do bees make?", max_tokens=4, temperature=0.0, seed=1)
    result = await model.adapter.complete(request, 60)
    assert result.usage.output_tokens > 0
    # Streamed token by token through llama.cpp: the same greedy answer, in pieces.
    *pieces, whole = [part async for part in model.adapter.stream(request, 60)]  # type: ignore[attr-defined]
    assert all(isinstance(piece, str) for piece in pieces)
    assert "".join(pieces) == whole.text == result.text
    assert whole.usage == result.usage
    with pytest.raises(ConfigurationError, match="no GGUF export"):
        get_model(f"tuned:{_tune(tmp_path / 'plain')}", options={"backend": "gguf"})


def test_tuned_models_are_treated_as_in_process_ones_one_generation_at_a_time() -> None:
    from distillation.pipeline.build import attempt_timeout, default_rate_limit
    from distillation.providers import runs_in_process

    assert runs_in_process("tuned:runs/support")
    assert runs_in_process("local:smollm2-135m")
    assert not runs_in_process("openai:gpt-4o-mini")
    assert not runs_in_process("openai-compatible:tuned")
    limit = default_rate_limit("tuned:runs/support")
    assert limit is not None
    assert limit.max_concurrency == 1
    assert attempt_timeout("tuned:runs/support", 60) > 60
    assert attempt_timeout("openai:gpt-4o-mini", 60) == 60
