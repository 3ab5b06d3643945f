"""The fake provider's prompt cache: which input tokens of a request a provider would read from cache.

Tokens are modelled as the fake server bills them (about four characters each, see
:func:`distillation.testing.answers.realistic_usage`). Both providers cache only prefixes of at least
1,024 tokens, per model:

* **OpenAI** caches automatically: the longest prefix of the prompt (its messages in order) that an
  earlier request of the same model started with, in steps of 128 tokens from 1,024 up.
* **Anthropic** caches up to a ``cache_control`` breakpoint: a request whose system block carries one
  reads its prefix (the tools, then the system prompt) from cache when an earlier request of the same
  model wrote the same prefix. A request without a breakpoint reads nothing.

Gemini's implicit caching is not modelled (it reports no cached tokens).
"""

from __future__ import annotations

import hashlib
import threading
from typing import Any

import orjson

from distillation.testing.scripts import RecordedRequest

CHARS_PER_TOKEN = 4
MIN_TOKENS = 1024
STEP_TOKENS = 128


class PromptCacheModel:
    """Remembers the prefixes requests wrote and says how many tokens of a new one were cached."""

    def __init__(self) -> None:
        self._seen: set[tuple[str, str]] = set()
        self._lock = threading.Lock()

    def cached_tokens(self, request: RecordedRequest) -> int:
        """The request's input tokens read from cache (0 on a miss); its prefixes are cached after."""
        if request.api == "openai":
            return self._longest(request.model, request.text)
        if request.api == "anthropic":
            prefix = _anthropic_prefix(request.body)
            return 0 if prefix is None else self._whole(request.model, prefix)
        return 0

    def _longest(self, model: str, text: str) -> int:
        step = STEP_TOKENS * CHARS_PER_TOKEN
        ends = range(MIN_TOKENS * CHARS_PER_TOKEN, len(text) + 1, step)
        keys = [(model, _digest(text[:end])) for end in ends]
        with self._lock:
            hits = [end for end, key in zip(ends, keys, strict=True) if key in self._seen]
            self._seen.update(keys)
        return max(hits, default=0) // CHARS_PER_TOKEN

    def _whole(self, model: str, prefix: str) -> int:
        tokens = len(prefix) // CHARS_PER_TOKEN
        if tokens < MIN_TOKENS:
            return 0
        key = (model, _digest(prefix))
        with self._lock:
            hit = key in self._seen
            self._seen.add(key)
        return tokens if hit else 0


def _anthropic_prefix(body: dict[str, Any]) -> str | None:
    """The tools and system text up to the system's last cache breakpoint; None without one."""
    system = body.get("system")
    if not isinstance(system, list):
        return None
    marked = [i for i, block in enumerate(system) if isinstance(block, dict) and block.get("cache_control")]
    if not marked:
        return None
    texts = [str(block.get("text", "")) for block in system[: marked[-1] + 1] if isinstance(block, dict)]
    return orjson.dumps(body.get("tools") or []).decode() + "\n".join(texts)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()
