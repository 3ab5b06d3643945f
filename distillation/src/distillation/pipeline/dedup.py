"""Duplicate checks as rows arrive, so rows can stream to the output instead of waiting for the end.

Only hashes and MinHash signatures are kept (about 1 KB a row), never the texts. The first row of a
cluster is kept; later exact or near-duplicates are rejected with the key of the row they repeat.
"""

from __future__ import annotations

from datasketch import MinHash, MinHashLSH

from distillation.quality import NearDuplicateConfig, shingles, text_hash

_LSH_MARGIN = 0.1  # query a little below the threshold, then confirm with the signatures' estimate


class StreamingDeduplicator:
    """Answers "does this text repeat one already accepted?" and remembers accepted texts."""

    def __init__(self, config: NearDuplicateConfig | None = None) -> None:
        self.config = config or NearDuplicateConfig()
        self._exact: dict[str, str] = {}
        self._signatures: dict[str, MinHash] = {}
        self._lsh = MinHashLSH(
            threshold=max(0.05, self.config.threshold - _LSH_MARGIN), num_perm=self.config.num_perm
        )

    def duplicate_of(self, text: str) -> str | None:
        """The key of an accepted row that ``text`` repeats, or None."""
        exact = self._exact.get(text_hash(text))
        if exact is not None:
            return exact
        signature = self._signature(text)
        if signature is None:
            return None
        for key in self._lsh.query(signature):
            if signature.jaccard(self._signatures[key]) >= self.config.threshold:
                return str(key)
        return None

    def add(self, key: str, text: str) -> None:
        """Remember an accepted row."""
        self._exact.setdefault(text_hash(text), key)
        signature = self._signature(text)
        if signature is not None and key not in self._signatures:
            self._signatures[key] = signature
            self._lsh.insert(key, signature)

    def _signature(self, text: str) -> MinHash | None:
        items = shingles(text, self.config)
        if not items:
            return None
        signature = MinHash(num_perm=self.config.num_perm, seed=self.config.seed)
        signature.update_batch([item.encode() for item in sorted(items)])
        return signature

    def __len__(self) -> int:
        return len(self._exact)
