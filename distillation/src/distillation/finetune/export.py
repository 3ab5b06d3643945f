"""GGUF export of a merged model (Llama and Qwen2 architectures), and an Ollama ``Modelfile``.

Neither the ``gguf`` package nor ``llama-cpp-python`` ships llama.cpp's ``convert_hf_to_gguf.py``, so
the conversion is written here with ``gguf.GGUFWriter`` for the architectures Distillery trains: the
hyperparameters llama.cpp reads, the tensors renamed through ``gguf``'s tensor map (Llama's query and
key weights permuted to llama.cpp's rotary layout), and the tokenizer (byte-level BPE, or a
SentencePiece-style ``tokenizer.json``) with its merges, special tokens and chat template. ``f16``,
``q8_0`` and ``q4_0`` are written by ``gguf``'s own quantizers; ``q4_k_m`` (which ``gguf`` cannot
quantize) by llama.cpp's quantizer inside ``llama-cpp-python``, from the f16 file. All offline.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from distillation.finetune.config import GgufType
from distillation.finetune.model import FinetuneError, require

# llama.cpp's architecture names, by ``config.model_type``.
_ARCHITECTURES = {"llama": "LLAMA", "mistral": "LLAMA", "qwen2": "QWEN2"}
# The ``tokenizer.ggml.pre`` (pre-tokenizer regex) llama.cpp applies to byte-level BPE vocabularies.
_PRE_TOKENIZERS = {"qwen2": "qwen2"}
_FILE_TYPES = {"f16": 1, "q8_0": 7, "q4_0": 2}
# Types ``gguf`` has no quantizer for: llama.cpp's quantizer (in llama-cpp-python) makes them from f16.
_LLAMA_CPP_TYPES = {"q4_k_m": "LLAMA_FTYPE_MOSTLY_Q4_K_M"}
_CHATML = "".join(
    [
        "{{- range .Messages }}<|im_start|>{{ .Role }}\n{{ .Content }}<|im_end|>\n{{ end }}",
        "<|im_start|>assistant\n",
    ]
)


def export_gguf(
    model_dir: Path, out_dir: Path, types: tuple[GgufType, ...], *, name: str, pre: str | None = None
) -> list[Path]:
    """Write ``<name>-<type>.gguf`` in ``out_dir`` for each type; returns the files written.

    Args:
        model_dir: A merged model in transformers format (``config.json``, safetensors, tokenizer).
        out_dir: Where the files go (created).
        types: ``f16``, ``q8_0``, ``q4_0`` (written here) and/or ``q4_k_m`` (quantized from f16 by
            llama.cpp's quantizer in ``llama-cpp-python``; a matrix whose rows do not fill its
            256-value blocks falls back to another type, as llama.cpp decides).
        name: File name stem and ``general.name``.
        pre: llama.cpp pre-tokenizer name for a byte-level BPE vocabulary (default: by architecture,
            else ``default``).

    Raises:
        FinetuneError: The architecture or tokenizer is not one this converter writes.
    """
    gguf = require("gguf")
    config = json.loads((model_dir / "config.json").read_text())
    model_type = config.get("model_type", "")
    if model_type not in _ARCHITECTURES:
        raise FinetuneError(
            f"GGUF export writes {', '.join(sorted(_ARCHITECTURES))} models; this one is {model_type!r}"
        )
    rope = config.get("rope_parameters") or config.get("rope_scaling") or {}
    if rope.get("rope_type", "default") not in ("default", None):
        raise FinetuneError(f"GGUF export does not write rope type {rope.get('rope_type')!r} yet")
    out_dir.mkdir(parents=True, exist_ok=True)
    pre_name = pre or _PRE_TOKENIZERS.get(model_type, "default")
    written = {}
    for kind in types:
        if kind in _LLAMA_CPP_TYPES:
            continue
        written[kind] = out_dir / f"{name}-{kind}.gguf"
        _write(gguf, model_dir, config, written[kind], kind, name, pre_name)
    for kind in types:
        if kind not in _LLAMA_CPP_TYPES:
            continue
        kept = "f16" in written
        source = written["f16"] if kept else out_dir / f"{name}-f16.gguf.scratch"
        if not kept:
            _write(gguf, model_dir, config, source, "f16", name, pre_name)
        try:
            written[kind] = out_dir / f"{name}-{kind}.gguf"
            _quantize_with_llama_cpp(source, written[kind], _LLAMA_CPP_TYPES[kind])
        finally:
            if not kept:
                source.unlink(missing_ok=True)
    return [written[kind] for kind in types]


def _write(
    gguf: Any, model_dir: Path, config: dict[str, Any], path: Path, kind: str, name: str, pre: str
) -> None:
    partial = path.with_name(path.name + ".partial")
    writer = gguf.GGUFWriter(partial, _ARCH_NAME(gguf, config["model_type"]))
    try:
        _metadata(writer, gguf, config, name, kind)
        _tokenizer(writer, gguf, model_dir, config, pre)
        for tensor_name, data, qtype in _tensors(gguf, model_dir, config, kind):
            writer.add_tensor(tensor_name, data, raw_dtype=qtype)
        writer.write_header_to_file()
        writer.write_kv_data_to_file()
        writer.write_tensors_to_file()
    finally:
        writer.close()
    partial.replace(path)


def _quantize_with_llama_cpp(source: Path, target: Path, ftype: str) -> None:
    """Quantize an f16 GGUF file with llama.cpp's own quantizer (K-quants), through llama-cpp-python."""
    import ctypes

    llama_cpp = require("llama_cpp")
    params = llama_cpp.llama_model_quantize_default_params()
    params.ftype = getattr(llama_cpp, ftype)
    params.nthread = 1
    partial = target.with_name(target.name + ".partial")
    status = llama_cpp.llama_model_quantize(str(source).encode(), str(partial).encode(), ctypes.byref(params))
    if status != 0 or not partial.is_file():
        partial.unlink(missing_ok=True)
        raise FinetuneError(f"llama.cpp could not quantize {source.name} to {target.name} (status {status})")
    partial.replace(target)


def write_modelfile(out_dir: Path, gguf_file: Path, model_dir: Path) -> Path:
    """An Ollama ``Modelfile`` next to ``gguf_file`` (``ollama create <name> -f Modelfile``)."""
    tokenizer_config = _json(model_dir / "tokenizer_config.json")
    template = str(tokenizer_config.get("chat_template") or "")
    if not template and (model_dir / "chat_template.jinja").is_file():
        template = (model_dir / "chat_template.jinja").read_text(encoding="utf-8")
    eos = _token_text(tokenizer_config.get("eos_token"))
    lines = [
        "# Ollama: ollama create <name> -f Modelfile",
        f"FROM ./{gguf_file.name}",
    ]
    if "<|im_start|>" in template:  # ChatML (Qwen, SmolLM): the same template in Ollama's syntax
        lines += [f'TEMPLATE """{_CHATML}"""', 'PARAMETER stop "<|im_end|>"']
    else:
        lines.append("# The chat template is read from the GGUF file's tokenizer.chat_template.")
    if eos and eos != "<|im_end|>":
        lines.append(f'PARAMETER stop "{eos}"')
    path = out_dir / "Modelfile"
    path.write_text("\n".join(lines) + "\n")
    return path


def _ARCH_NAME(gguf: Any, model_type: str) -> str:
    return str(gguf.MODEL_ARCH_NAMES[getattr(gguf.MODEL_ARCH, _ARCHITECTURES[model_type])])


def _metadata(writer: Any, gguf: Any, config: dict[str, Any], name: str, kind: str) -> None:
    heads = int(config["num_attention_heads"])
    hidden = int(config["hidden_size"])
    head_dim = int(config.get("head_dim") or hidden // heads)
    rope = config.get("rope_parameters") or {}
    writer.add_name(name)
    writer.add_context_length(int(config.get("max_position_embeddings", 2048)))
    writer.add_embedding_length(hidden)
    writer.add_block_count(int(config["num_hidden_layers"]))
    writer.add_feed_forward_length(int(config["intermediate_size"]))
    writer.add_head_count(heads)
    writer.add_head_count_kv(int(config.get("num_key_value_heads") or heads))
    writer.add_layer_norm_rms_eps(float(config.get("rms_norm_eps", 1e-6)))
    writer.add_rope_freq_base(float(config.get("rope_theta") or rope.get("rope_theta") or 10000.0))
    writer.add_rope_dimension_count(head_dim)
    if head_dim != hidden // heads:
        writer.add_key_length(head_dim)
        writer.add_value_length(head_dim)
    writer.add_vocab_size(int(config["vocab_size"]))
    writer.add_file_type(_FILE_TYPES[kind])


def _tokenizer(writer: Any, gguf: Any, model_dir: Path, config: dict[str, Any], pre: str) -> None:
    vocab_module = require("gguf.vocab")
    try:
        vocab: Any = vocab_module.BpeVocab(model_dir)
        model = "gpt2"
    except FileNotFoundError:
        try:
            vocab = vocab_module.LlamaHfVocab(model_dir)
            model = "llama"
        except FileNotFoundError as exc:
            raise FinetuneError(f"GGUF export found no tokenizer.json it can write in {model_dir}") from exc
    tokens, scores, types = [], [], []
    for text, score, token_type in vocab.all_tokens():
        tokens.append(text)
        scores.append(score)
        types.append(token_type)
    added = _added_token_ids(model_dir)
    for token_id in added:
        if token_id < len(types):
            types[token_id] = gguf.TokenType.CONTROL
    for index in range(len(tokens), int(config["vocab_size"])):  # embedding rows beyond the tokenizer
        tokens.append(f"[PAD{index}]".encode())
        scores.append(-1000.0)
        types.append(gguf.TokenType.UNUSED)
    writer.add_tokenizer_model(model)
    if model == "gpt2":
        writer.add_tokenizer_pre(pre)
    writer.add_token_list(tokens)
    writer.add_token_scores(scores)
    writer.add_token_types(types)
    special = gguf.SpecialVocab(model_dir, load_merges=model == "gpt2", n_vocab=len(tokens))
    special.add_to_gguf(writer)


def _added_token_ids(model_dir: Path) -> list[int]:
    data = _json(model_dir / "tokenizer.json")
    return [int(item["id"]) for item in data.get("added_tokens", []) if item.get("special")]


def _tensors(gguf: Any, model_dir: Path, config: dict[str, Any], kind: str) -> Iterator[tuple[str, Any, Any]]:
    safetensors, numpy = require("safetensors"), require("numpy")
    model_type = config["model_type"]
    blocks = int(config["num_hidden_layers"])
    names = gguf.get_tensor_name_map(getattr(gguf.MODEL_ARCH, _ARCHITECTURES[model_type]), blocks)
    heads = int(config["num_attention_heads"])
    kv_heads = int(config.get("num_key_value_heads") or heads)
    files = sorted(model_dir.glob("*.safetensors"))
    if not files:
        raise FinetuneError(f"GGUF export reads safetensors weights; {model_dir} has none")
    for file in files:
        with safetensors.safe_open(str(file), framework="pt") as handle:
            for hf_name in handle.keys():
                if hf_name.endswith("rotary_emb.inv_freq"):
                    continue
                data = handle.get_tensor(hf_name).float().numpy()
                if model_type != "qwen2" and hf_name.endswith(("q_proj.weight", "k_proj.weight")):
                    data = _permute(data, heads, heads if "q_proj" in hf_name else kv_heads)
                name = names.get_name(hf_name, try_suffixes=(".weight", ".bias"))
                if name is None:
                    raise FinetuneError(f"GGUF export has no llama.cpp name for tensor {hf_name!r}")
                yield name, *_encode(gguf, numpy, data, kind)


def _permute(weights: Any, heads: int, kv_heads: int) -> Any:
    """HF's rotary layout (halves) to llama.cpp's (interleaved pairs), as ``convert_hf_to_gguf`` does."""
    n = kv_heads
    return (
        weights.reshape(n, 2, weights.shape[0] // n // 2, *weights.shape[1:])
        .swapaxes(1, 2)
        .reshape(weights.shape)
    )


def _encode(gguf: Any, numpy: Any, data: Any, kind: str) -> tuple[Any, Any]:
    """1-D tensors (norms, biases) stay F32; matrices go to ``kind`` (F16 when rows do not fit blocks)."""
    types = gguf.GGMLQuantizationType
    if data.ndim < 2:
        return data.astype(numpy.float32), types.F32
    qtype = {"f16": types.F16, "q8_0": types.Q8_0, "q4_0": types.Q4_0}[kind]
    block = gguf.GGML_QUANT_SIZES[qtype][0]
    if qtype == types.F16 or data.shape[-1] % block:
        return data.astype(numpy.float16), types.F16
    return gguf.quants.quantize(data.astype(numpy.float32), qtype), qtype


def _json(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _token_text(token: Any) -> str:
    if isinstance(token, dict):
        return str(token.get("content", ""))
    return str(token or "")
