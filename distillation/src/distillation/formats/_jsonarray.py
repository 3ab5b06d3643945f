"""Split a top-level JSON array into its elements without loading the whole file.

The standard library can only parse a complete document, so an uploaded ``[...]`` file would otherwise
sit in memory at once. This scanner tracks string and bracket state byte by byte (jumping between the
few bytes that matter with a regex) and hands out each element's raw bytes, capped in size.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final

__all__ = ["ArrayElement", "ArrayFormatError", "ArraySplitter"]

_NEWLINE: Final = ord("\n")
_NON_SPACE: Final = re.compile(rb"[^ \t\r]")
_IN_STRING: Final = re.compile(rb'["\\\n]')
_IN_VALUE: Final = re.compile(rb'[\[\]{}",\n]')


class ArrayFormatError(ValueError):
    """The file is not a JSON array at all; nothing in it can be read."""


@dataclass(frozen=True, slots=True)
class ArrayElement:
    """One array element: its raw bytes, or why it has none."""

    line: int
    data: bytes | None
    error: str | None = None


class ArraySplitter:
    """Feed chunks of a JSON array file; collect elements as they complete."""

    def __init__(self, max_element_bytes: int) -> None:
        self._max = max_element_bytes
        self._phase = "before"  # before | between | element | after | done
        self._line = 1
        self._depth = 0
        self._in_string = False
        self._escape_next = False
        self._after_comma = False
        self._seen_element = False
        self._buf = bytearray()
        self._too_big = False
        self._start_line = 1

    def feed(self, chunk: bytes) -> Iterator[ArrayElement]:
        """Scan the next chunk and yield every element it completes."""
        pos, end = 0, len(chunk)
        while pos < end and self._phase != "done":
            if self._phase == "element":
                pos, element = self._scan_element(chunk, pos)
                if element is not None:
                    yield element
                continue
            match = _NON_SPACE.search(chunk, pos)
            if match is None:
                return
            pos = match.start()
            byte = chunk[pos]
            if byte == _NEWLINE:
                self._line += 1
                pos += 1
                continue
            pos, element = self._structural(chunk, pos, byte)
            if element is not None:
                yield element

    def finish(self) -> Iterator[ArrayElement]:
        """Report what the end of the file left unfinished."""
        if self._phase == "before":
            return
        if self._phase in ("between", "element"):
            yield ArrayElement(
                self._start_line if self._phase == "element" else self._line,
                None,
                "file ends before the closing ']' of the JSON array",
            )

    def _structural(self, chunk: bytes, pos: int, byte: int) -> tuple[int, ArrayElement | None]:
        char = chr(byte)
        if self._phase == "before":
            if char != "[":
                raise ArrayFormatError(f"line {self._line}: a JSON array file must start with '['")
            self._phase = "between"
            return pos + 1, None
        if self._phase == "after":
            self._phase = "done"
            return pos, ArrayElement(self._line, None, "unexpected data after the closing ']'")
        if char == "]":
            self._phase = "after"
            if self._after_comma:
                return pos + 1, ArrayElement(self._line, None, "trailing comma before ']'")
            return pos + 1, None
        if char == ",":
            bad = self._after_comma or not self._seen_element
            self._after_comma = True
            return pos + 1, ArrayElement(self._line, None, "empty array element") if bad else None
        self._phase, self._depth, self._in_string = "element", 0, False
        self._start_line, self._buf, self._too_big = self._line, bytearray(), False
        self._after_comma, self._seen_element = False, True
        return pos, None

    def _scan_element(self, chunk: bytes, pos: int) -> tuple[int, ArrayElement | None]:
        start, end = pos, len(chunk)
        while pos < end:
            if self._escape_next:
                self._escape_next = False
                self._line += chunk[pos] == _NEWLINE
                pos += 1
                continue
            match = (_IN_STRING if self._in_string else _IN_VALUE).search(chunk, pos)
            if match is None:
                break
            pos = match.start()
            char = chr(chunk[pos])
            if char == "\n":
                self._line += 1
            elif self._in_string:
                self._in_string = char != '"'
                self._escape_next = char == "\\"
            elif char == '"':
                self._in_string = True
            elif char in "[{":
                self._depth += 1
            elif self._depth == 0 and char in ",]":
                self._append(chunk[start:pos])
                self._phase = "between"
                return pos, self._element()
            elif char in "]}":
                self._depth -= 1
            pos += 1
        self._append(chunk[start:end])
        return end, None

    def _append(self, data: bytes) -> None:
        if self._too_big:
            return
        if len(self._buf) + len(data) > self._max:
            self._too_big, self._buf = True, bytearray()
        else:
            self._buf += data

    def _element(self) -> ArrayElement:
        if self._too_big:
            return ArrayElement(self._start_line, None, f"array element larger than {self._max} bytes")
        return ArrayElement(self._start_line, bytes(self._buf).strip())
