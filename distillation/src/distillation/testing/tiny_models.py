"""Tiny Llama- and Qwen2-architecture models with random weights, built offline for the tests.

They prove "any base model" code without a download. Needs the ``finetune`` extra (torch,
transformers, tokenizers).

A byte-level BPE tokenizer is trained on a few sentences (with ChatML special tokens and chat
template), and a two-layer model of width 64 is saved next to it, as a folder or inside a Hugging
Face cache layout (``models--org--name/snapshots/<rev>/`` with ``refs/main``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

CHATML = (
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n{{ message['content'] }}<|im_end|>\n"
    "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)
SENTENCES = [
    "What is the capital of France? The capital of France is Paris.",
    "How many legs does a spider have? A spider has eight legs.",
    "Can you name a primary colour? Red is a primary colour, and so are blue and yellow.",
    "What do bees make? Bees make honey and wax in their hives.",
    "Which planet is the largest? Jupiter is the largest planet of the solar system.",
]
SPECIAL = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
REVISION = "0123456789abcdef0123456789abcdef01234567"


def tiny_tokenizer() -> Any:
    """A byte-level BPE tokenizer (about 300 tokens) with a ChatML chat template."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    core = Tokenizer(models.BPE())
    core.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    core.decoder = decoders.ByteLevel()
    core.post_processor = processors.ByteLevel(trim_offsets=False)
    trainer = trainers.BpeTrainer(
        vocab_size=320, special_tokens=SPECIAL, initial_alphabet=pre_tokenizers.ByteLevel.alphabet()
    )
    core.train_from_iterator(SENTENCES * 4, trainer)
    return PreTrainedTokenizerFast(  # type: ignore[no-untyped-call]
        tokenizer_object=core,
        eos_token="<|im_end|>",  # noqa: S106 (a special token, not a password)
        pad_token="<|endoftext|>",  # noqa: S106
        bos_token=None,
        chat_template=CHATML,
    )


def tiny_model(architecture: str, vocab_size: int) -> Any:
    """A two-layer, width-64 causal LM of ``architecture`` (``llama`` or ``qwen2``), random weights."""
    from transformers import AutoModelForCausalLM, LlamaConfig, Qwen2Config

    settings: dict[str, Any] = {
        "vocab_size": vocab_size,
        "hidden_size": 64,
        "intermediate_size": 128,
        "num_hidden_layers": 2,
        "num_attention_heads": 4,
        "num_key_value_heads": 2,
        "max_position_embeddings": 512,
        "tie_word_embeddings": architecture == "qwen2",
        "eos_token_id": 2,
        "pad_token_id": 0,
    }
    config = LlamaConfig(**settings) if architecture == "llama" else Qwen2Config(**settings)
    torch.manual_seed(1)
    model = AutoModelForCausalLM.from_config(config)  # type: ignore[no-untyped-call]
    # At the default initialisation attention is almost uniform, so a wrong rotary layout would go
    # unnoticed; larger query and key weights make the attention depend on positions.
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            if name.endswith(("q_proj.weight", "k_proj.weight")):
                parameter.mul_(25)
    return model


def save_tiny(folder: Path, architecture: str) -> Path:
    """Save a tiny model and its tokenizer to ``folder``."""
    tokenizer = tiny_tokenizer()
    model = tiny_model(architecture, len(tokenizer))
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def save_tiny_in_cache(cache: Path, model_id: str, architecture: str) -> Path:
    """Save a tiny model under ``cache`` as the Hugging Face hub cache lays out ``model_id``."""
    repo = cache / f"models--{model_id.replace('/', '--')}"
    snapshot = save_tiny(repo / "snapshots" / REVISION, architecture)
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / "main").write_text(REVISION)
    return snapshot


def chat_rows(count: int = 8) -> list[dict[str, Any]]:
    """Question-answer chat records drawn from the tokenizer's sentences."""
    rows = []
    for index in range(count):
        question, answer = SENTENCES[index % len(SENTENCES)].split("? ")
        rows.append(
            {
                "messages": [
                    {"role": "user", "content": question + "?"},
                    {"role": "assistant", "content": answer},
                ]
            }
        )
    return rows
