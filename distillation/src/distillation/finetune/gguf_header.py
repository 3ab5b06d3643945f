"""A GGUF file's header and metadata, read without its vocabulary or weights.

``gguf.GGUFReader`` builds a NumPy view for every value of every metadata array, so opening a model
with a 49,152-token vocabulary costs seconds of CPU before a single field can be read (and it has no
lazy mode). :func:`read_gguf_header` walks the same layout (magic, version, counts, the metadata
key-value pairs, the tensor infos) with ``struct`` over a memory map: scalars and strings are decoded,
arrays are stepped over and kept as their item type and length, and a tensor contributes only its
element count. Versions 2 and 3 in either byte order are read, like ``gguf``'s reader.

Example:
    >>> header = read_gguf_header("model.gguf")  # doctest: +SKIP
    >>> header.metadata["general.architecture"], header.params  # doctest: +SKIP
    ('llama', 134515008)
"""

from __future__ import annotations

import mmap
import struct
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path
from typing import Any

__all__ = ["GGUFArray", "GGUFHeader", "GGUFValueType", "read_gguf_header"]

GGUF_MAGIC = b"GGUF"
SUPPORTED_VERSIONS = (2, 3)


class GGUFValueType(IntEnum):
    """The type codes of GGUF metadata values (the GGUF specification's ``gguf_metadata_value_type``)."""

    UINT8 = 0
    INT8 = 1
    UINT16 = 2
    INT16 = 3
    UINT32 = 4
    INT32 = 5
    FLOAT32 = 6
    BOOL = 7
    STRING = 8
    ARRAY = 9
    UINT64 = 10
    INT64 = 11
    FLOAT64 = 12


# struct codes of the fixed-size scalar types.
_SCALAR_FORMATS: dict[GGUFValueType, str] = {
    GGUFValueType.UINT8: "B",
    GGUFValueType.INT8: "b",
    GGUFValueType.UINT16: "H",
    GGUFValueType.INT16: "h",
    GGUFValueType.UINT32: "I",
    GGUFValueType.INT32: "i",
    GGUFValueType.FLOAT32: "f",
    GGUFValueType.BOOL: "?",
    GGUFValueType.UINT64: "Q",
    GGUFValueType.INT64: "q",
    GGUFValueType.FLOAT64: "d",
}


@dataclass(frozen=True, slots=True)
class GGUFArray:
    """A metadata array, not read: what its items are and how many there are.

    Attributes:
        item_type: The type of its items (an array of arrays has ``ARRAY``).
        length: How many items it holds.
    """

    item_type: GGUFValueType
    length: int

    def __len__(self) -> int:
        return self.length


@dataclass(frozen=True, slots=True)
class GGUFHeader:
    """What a GGUF file says about itself before its tensor data.

    Attributes:
        version: The GGUF version (2 or 3).
        metadata: Every key-value pair: numbers, booleans and strings as Python values, arrays as
            :class:`GGUFArray` (their items are never read).
        tensor_count: How many tensors the file holds.
        params: The elements of all its tensors together (the model's parameter count).
    """

    version: int
    metadata: dict[str, Any]
    tensor_count: int
    params: int


class _Cursor:
    """Reads GGUF values in one byte order from a buffer, refusing to run past its end."""

    def __init__(self, buffer: mmap.mmap, order: str) -> None:
        self.buffer = buffer
        self.order = order
        self.offset = 0
        self.size = len(buffer)

    def unpack(self, code: str) -> Any:
        fmt = self.order + code
        width = struct.calcsize(fmt)
        self._need(width)
        (value,) = struct.unpack_from(fmt, self.buffer, self.offset)
        self.offset += width
        return value

    def skip(self, count: int) -> None:
        self._need(count)
        self.offset += count

    def string(self) -> str:
        length = self.unpack("Q")
        self._need(length)
        raw = self.buffer[self.offset : self.offset + length]
        self.offset += length
        return raw.decode("utf-8", errors="replace")

    def value(self, kind: GGUFValueType) -> Any:
        if kind == GGUFValueType.STRING:
            return self.string()
        if kind == GGUFValueType.ARRAY:
            item_type = self.value_type()
            length = self.unpack("Q")
            self.skip_items(item_type, length)
            return GGUFArray(item_type, length)
        return self.unpack(_SCALAR_FORMATS[kind])

    def value_type(self) -> GGUFValueType:
        code = self.unpack("I")
        try:
            return GGUFValueType(code)
        except ValueError:
            raise ValueError(f"unknown metadata value type {code} at byte {self.offset - 4}") from None

    def skip_items(self, kind: GGUFValueType, count: int) -> None:
        """Steps over ``count`` items of ``kind`` without decoding them."""
        if kind in _SCALAR_FORMATS:
            self.skip(count * struct.calcsize(_SCALAR_FORMATS[kind]))
            return
        if kind == GGUFValueType.STRING:
            length = struct.Struct(self.order + "Q")
            for _ in range(count):
                self._need(8)
                self.offset += 8 + length.unpack_from(self.buffer, self.offset)[0]
            self._need(0)
            return
        for _ in range(count):  # arrays of arrays
            self.value(GGUFValueType.ARRAY)

    def _need(self, count: int) -> None:
        if count < 0 or self.offset + count > self.size:
            raise ValueError(f"the file ends before byte {self.offset + count} (it has {self.size})")


def read_gguf_header(path: str | Path) -> GGUFHeader:
    """The version, metadata and parameter count of a GGUF file, its arrays and weights left unread.

    Raises:
        ValueError: Not a GGUF file, a version other than 2 or 3, or a header cut short or corrupt.
        OSError: The file cannot be opened.
    """
    with Path(path).open("rb") as handle:
        try:
            buffer = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        except ValueError:  # an empty file cannot be mapped
            raise ValueError("the file is empty") from None
        with buffer:
            return _read(buffer)


def _read(buffer: mmap.mmap) -> GGUFHeader:
    if buffer[:4] != GGUF_MAGIC:
        raise ValueError("no GGUF magic at the start of the file")
    order = "<"
    (version,) = struct.unpack_from("<I", buffer, 4) if len(buffer) >= 8 else (0,)
    if version and version & 0xFFFF == 0:  # written on a machine of the other byte order
        order = ">"
        (version,) = struct.unpack_from(">I", buffer, 4)
    if version not in SUPPORTED_VERSIONS:
        raise ValueError(f"GGUF version {version} is not supported (only {SUPPORTED_VERSIONS})")
    cursor = _Cursor(buffer, order)
    cursor.skip(8)
    tensor_count, kv_count = cursor.unpack("Q"), cursor.unpack("Q")
    metadata: dict[str, Any] = {}
    for _ in range(kv_count):
        key = cursor.string()
        metadata[key] = cursor.value(cursor.value_type())
    params = 0
    for _ in range(tensor_count):
        cursor.string()  # the tensor's name
        dims = cursor.unpack("I")
        elements = 1
        for _ in range(dims):
            elements *= cursor.unpack("Q")
        cursor.skip(4 + 8)  # its data type and the offset of its data
        params += elements
    return GGUFHeader(version=version, metadata=metadata, tensor_count=tensor_count, params=params)
