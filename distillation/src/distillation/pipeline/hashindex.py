"""A compact multimap from integer hashes to integers, for indexes that grow with every row of a run.

A Python ``dict[int, int]`` spends about 100 bytes an entry (the slot and two int objects); this one
spends the size of its two numpy dtypes (8 to 16 bytes). New entries go to a small unsorted tail;
a full tail is sorted into a run, and runs of similar size are merged (a log-structured merge), so
each entry is copied O(log n) times and a lookup is a binary search per run plus a scan of the tail.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, DTypeLike, NDArray

_TAIL = 4096


class HashIndex:
    """Maps hash keys to integer values; a key may hold several values.

    Args:
        key_dtype: Unsigned integer dtype of the keys (``np.uint32`` halves memory where an
            occasional false match is confirmed by the caller anyway).
        value_dtype: Integer dtype of the values (row numbers, file offsets).
        tail: Entries buffered unsorted before they are sorted into a run.

    Example:
        >>> index = HashIndex()
        >>> index.add([11, 12], 0)
        >>> index.add([12], 1)
        >>> index.find([12]), index.find([13]), len(index)
        ([0, 1], [], 3)
    """

    def __init__(
        self, key_dtype: DTypeLike = np.uint64, value_dtype: DTypeLike = np.int64, tail: int = _TAIL
    ) -> None:
        self._key_dtype = np.dtype(key_dtype)
        self._runs: list[tuple[NDArray[Any], NDArray[Any]]] = []  # sorted by key, largest first
        self._tail_keys = np.empty(tail, dtype=self._key_dtype)
        self._tail_values = np.empty(tail, dtype=value_dtype)
        self._tail_len = 0
        self._size = 0

    def add(self, keys: ArrayLike, value: int) -> None:
        """Map each of ``keys`` to ``value``."""
        array = self._keys(keys)
        for start in range(0, len(array), len(self._tail_keys)):
            chunk = array[start : start + len(self._tail_keys)]
            if self._tail_len + len(chunk) > len(self._tail_keys):
                self._flush()
            end = self._tail_len + len(chunk)
            self._tail_keys[self._tail_len : end] = chunk
            self._tail_values[self._tail_len : end] = value
            self._tail_len = end
            self._size += len(chunk)

    def find(self, keys: ArrayLike) -> list[int]:
        """The distinct values mapped from any of ``keys``, in ascending order."""
        wanted = self._keys(keys)
        found: set[int] = set()
        for run_keys, run_values in self._runs:
            low = np.searchsorted(run_keys, wanted, side="left")
            high = np.searchsorted(run_keys, wanted, side="right")
            for start, end in zip(low[high > low].tolist(), high[high > low].tolist(), strict=True):
                found.update(run_values[start:end].tolist())
        if self._tail_len:
            hits = np.isin(self._tail_keys[: self._tail_len], wanted)
            found.update(self._tail_values[: self._tail_len][hits].tolist())
        return sorted(found)

    def nbytes(self) -> int:
        """Bytes held by the index's arrays."""
        arrays = [a for run in self._runs for a in run] + [self._tail_keys, self._tail_values]
        return sum(a.nbytes for a in arrays)

    def __len__(self) -> int:
        return self._size

    def _keys(self, keys: ArrayLike) -> NDArray[Any]:
        array = np.asarray(keys)
        if array.dtype != self._key_dtype:
            # Python ints above the dtype's range wrap around: keys are hashes, only equality matters.
            array = np.asarray(keys, dtype=np.uint64).astype(self._key_dtype, copy=False)
        return array.reshape(-1)

    def _flush(self) -> None:
        """Sort the tail into a run, then merge runs until each is larger than twice the next."""
        count = self._tail_len
        order = np.argsort(self._tail_keys[:count], kind="stable")
        run = (self._tail_keys[:count][order], self._tail_values[:count][order])
        self._tail_len = 0
        while self._runs and len(self._runs[-1][0]) <= 2 * len(run[0]):
            run = _merge(self._runs.pop(), run)
        self._runs.append(run)


def _merge(
    older: tuple[NDArray[Any], NDArray[Any]], newer: tuple[NDArray[Any], NDArray[Any]]
) -> tuple[NDArray[Any], NDArray[Any]]:
    """Two sorted runs as one (equal keys keep the older entries first)."""
    at = np.searchsorted(older[0], newer[0], side="right")
    return np.insert(older[0], at, newer[0]), np.insert(older[1], at, newer[1])
