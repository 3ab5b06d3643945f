"""The GGUF header reader: the same metadata and parameter count as ``gguf``'s reader, without the vocabulary.

Tiny GGUF files are written here with the ``gguf`` package's own writer (in both byte orders); the
bundled model's file is read as it ships.
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Any

import gguf
import numpy as np
import pytest

from distillation.finetune import FinetuneError, describe_base_model
from distillation.finetune.gguf_header import GGUFArray, GGUFValueType, read_gguf_header

TOKENS = [f"tok{i}" for i in range(300)] + ["ünï", ""]


LITTLE = gguf.GGUFEndian.LITTLE


def _write_tiny(path: Path, endianess: gguf.GGUFEndian = LITTLE, *, vocab_size: bool = True) -> Path:
    """A llama-shaped GGUF with metadata of every value type and three tensors (50 elements in all)."""
    writer = gguf.GGUFWriter(path, "llama", endianess=endianess)
    writer.add_block_count(2)
    writer.add_embedding_length(8)
    writer.add_context_length(128)
    if vocab_size:
        writer.add_vocab_size(len(TOKENS))
    writer.add_uint8("test.u8", 200)
    writer.add_int8("test.i8", -100)
    writer.add_uint16("test.u16", 60_000)
    writer.add_int16("test.i16", -30_000)
    writer.add_int32("test.i32", -2_000_000_000)
    writer.add_uint64("test.u64", 2**60)
    writer.add_int64("test.i64", -(2**60))
    writer.add_float32("test.f32", 0.5)
    writer.add_float64("test.f64", 1e-300)
    writer.add_bool("test.bool", True)
    writer.add_string("tokenizer.ggml.pre", "smollm")
    writer.add_token_list(TOKENS)
    writer.add_array("test.scores", [float(i) for i in range(7)])
    writer.add_array("test.nested", [[1, 2, 3], ["a", "bc"], [0.5]])
    writer.add_tensor("token_embd.weight", np.ones((4, 8), dtype=np.float32))
    writer.add_tensor("blk.0.attn_norm.weight", np.ones(8, dtype=np.float32))
    writer.add_tensor("blk.0.ffn.weight", np.ones((2, 5), dtype=np.float16))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


def _reference(path: Path) -> tuple[dict[str, Any], int]:
    """What ``gguf.GGUFReader`` reads: scalars and strings, each array as (item type, length)."""
    reader = gguf.GGUFReader(path)
    fields: dict[str, Any] = {}
    for name, field in reader.fields.items():
        if name.startswith("GGUF."):
            continue
        if field.types[0] == gguf.GGUFValueType.ARRAY:  # parts: key length, key, type, item type, length...
            fields[name] = (int(field.parts[3][0]), int(field.parts[4][0]))
        else:
            fields[name] = field.contents()
    return fields, sum(int(tensor.n_elements) for tensor in reader.tensors)


def _mine(path: Path) -> tuple[dict[str, Any], int]:
    header = read_gguf_header(path)
    fields = {
        name: (int(value.item_type), value.length) if isinstance(value, GGUFArray) else value
        for name, value in header.metadata.items()
    }
    return fields, header.params


@pytest.mark.parametrize("endianess", [gguf.GGUFEndian.LITTLE, gguf.GGUFEndian.BIG], ids=["little", "big"])
def test_a_tiny_gguf_reads_as_gguf_reads_it(tmp_path: Path, endianess: gguf.GGUFEndian) -> None:
    path = _write_tiny(tmp_path / "tiny.gguf", endianess)
    header = read_gguf_header(path)

    assert header.version == 3
    assert header.tensor_count == 3
    assert header.params == 4 * 8 + 8 + 2 * 5
    metadata = header.metadata
    assert metadata["general.architecture"] == "llama"
    assert (metadata["llama.block_count"], metadata["llama.embedding_length"]) == (2, 8)
    assert (metadata["test.u8"], metadata["test.i8"], metadata["test.u16"], metadata["test.i16"]) == (
        200, -100, 60_000, -30_000,
    )  # fmt: skip
    assert (metadata["test.i32"], metadata["test.u64"]) == (-2_000_000_000, 2**60)
    assert metadata["test.i64"] == -(2**60)
    assert (metadata["test.f32"], metadata["test.f64"], metadata["test.bool"]) == (0.5, 1e-300, True)
    assert metadata["tokenizer.ggml.pre"] == "smollm"
    assert metadata["tokenizer.ggml.tokens"] == GGUFArray(GGUFValueType.STRING, len(TOKENS))
    assert len(metadata["tokenizer.ggml.tokens"]) == len(TOKENS)
    assert metadata["test.scores"] == GGUFArray(GGUFValueType.FLOAT32, 7)
    assert metadata["test.nested"] == GGUFArray(GGUFValueType.ARRAY, 3)
    assert _mine(path) == _reference(path)


def test_the_bundled_model_is_read_from_its_header() -> None:
    from distillation.providers.adapters.local import bundled_model_path

    header = read_gguf_header(bundled_model_path())
    metadata = header.metadata
    assert metadata["general.architecture"] == "llama"
    assert (metadata["llama.embedding_length"], metadata["llama.block_count"]) == (576, 30)
    assert (metadata["llama.vocab_size"], metadata["llama.context_length"]) == (49152, 8192)
    assert metadata["tokenizer.ggml.pre"] == "smollm"
    assert metadata["tokenizer.ggml.tokens"] == GGUFArray(GGUFValueType.STRING, 49152)
    assert metadata["tokenizer.ggml.merges"] == GGUFArray(GGUFValueType.STRING, 48900)
    assert "<|im_start|>" in metadata["tokenizer.chat_template"]
    assert header.tensor_count == 272
    assert header.params == 134_515_008


def test_a_gguf_file_is_described_from_its_header(tmp_path: Path) -> None:
    path = _write_tiny(tmp_path / "tiny.gguf", vocab_size=False)
    info = describe_base_model(str(path), batch_size=1, max_seq_length=16)
    assert info.kind == "gguf"
    assert info.path == path
    assert info.architecture == "llama"
    assert info.params == 50
    assert info.bytes_on_disk == path.stat().st_size
    # No llama.vocab_size key: the vocabulary's length stands in for it.
    assert (info.hidden_size, info.layers, info.vocab_size, info.context_length) == (8, 2, len(TOKENS), 128)


def _truncated(tmp_path: Path) -> Path:
    whole = _write_tiny(tmp_path / "whole.gguf").read_bytes()
    path = tmp_path / "cut.gguf"
    path.write_bytes(whole[:200])  # inside the token list
    return path


@pytest.mark.parametrize(
    ("content", "error"),
    [
        (b"", "the file is empty"),
        (b"PK\x03\x04 a zip file, not a model", "no GGUF magic"),
        (b"GGUF" + struct.pack("<IQQ", 1, 0, 0), "GGUF version 1 is not supported"),
        (b"GGUF" + struct.pack("<I", 3) + struct.pack("<Q", 0), "the file ends before byte"),
        (b"GGUF" + struct.pack("<IQQQ", 3, 0, 1, 1) + b"k" + struct.pack("<I", 99), "unknown metadata value"),
        (None, "the file ends before byte"),
    ],
    ids=["empty", "not-gguf", "version-1", "cut-in-counts", "bad-type", "cut-in-tokens"],
)
def test_a_broken_file_is_refused_with_its_reason(tmp_path: Path, content: bytes | None, error: str) -> None:
    if content is None:
        path = _truncated(tmp_path)
    else:
        path = tmp_path / "broken.gguf"
        path.write_bytes(content)
    with pytest.raises(ValueError, match=error):
        read_gguf_header(path)
    with pytest.raises(FinetuneError, match=rf"is not a readable GGUF file: {error}"):
        describe_base_model(str(path))
