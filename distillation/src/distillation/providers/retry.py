"""Our one retry layer's policy: which errors retry, and how long to wait before the next attempt."""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class RetryPolicy:
    """Attempt caps and backoff.

    The wait before retry `n` (1-based) is a floor plus jitter on top: the floor is the provider's
    Retry-After when it sent one (never retry earlier), else `initial_delay * multiplier**(n-1)`
    capped at `max_delay`. Jitter is uniform in `[0, jitter * floor]`, so throttled requests that got
    the same Retry-After do not all come back in the same instant.

    Attributes:
        max_attempts: Cap on attempts per `chat` call, re-asks included.
        max_reasks: Cap on re-asks after invalid structured output.
        initial_delay: First backoff floor in seconds.
        max_delay: Cap on the exponential floor (a longer Retry-After is still honoured).
        multiplier: Growth factor of the floor.
        jitter: Jitter as a fraction of the floor.
        max_retry_after: A Retry-After longer than this ends the call instead of sleeping.
    """

    max_attempts: int = 6
    max_reasks: int = 2
    initial_delay: float = 0.5
    max_delay: float = 30.0
    multiplier: float = 2.0
    jitter: float = 0.25
    max_retry_after: float = 600.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1 or self.max_reasks < 0:
            raise ValueError("max_attempts must be >= 1 and max_reasks >= 0")

    def delay(self, retry_number: int, retry_after: float | None, rng: random.Random | None = None) -> float:
        """Seconds to wait before retry `retry_number` (1 = the first retry)."""
        if retry_after is not None and retry_after > 0:
            floor = retry_after
        else:
            floor = min(self.max_delay, self.initial_delay * self.multiplier ** (retry_number - 1))
        return floor + (rng or random).uniform(0.0, self.jitter * floor)


def parse_retry_after(headers: Mapping[str, str] | None, now: float | None = None) -> float | None:
    """Reads `retry-after-ms`, else `Retry-After` (seconds or an HTTP date), in seconds.

    Header names are matched case-insensitively; unreadable or negative values are ignored.
    """
    if not headers:
        return None
    lowered = {k.lower(): v for k, v in headers.items() if k.lower() in ("retry-after-ms", "retry-after")}
    millis = _to_float(lowered.get("retry-after-ms"))
    if millis is not None:
        return millis / 1000.0
    value = lowered.get("retry-after")
    if value is None:
        return None
    seconds = _to_float(value)
    if seconds is not None:
        return seconds
    return _seconds_until_date(value, now)


def capacity_exhausted(headers: Mapping[str, str] | None) -> bool:
    """Whether rate-limit headers say a limit is used up (remaining ≈ 0).

    Reads OpenAI-style `x-ratelimit-remaining-<kind>` / `x-ratelimit-limit-<kind>` and Anthropic's
    `anthropic-ratelimit-<kind>-remaining` / `-limit` (kind: requests, tokens, input-tokens ...).
    A kind is used up when its remaining count is 0, or at most 1% of its limit when the limit is
    sent too (a few tokens left of a million admit no request). No such headers: False.
    """
    if not headers:
        return False
    remaining: dict[str, float] = {}
    limits: dict[str, float] = {}
    for name, value in headers.items():
        lowered = name.lower()
        if lowered.startswith("x-ratelimit-remaining-"):
            target, kind = remaining, lowered[len("x-ratelimit-remaining-") :]
        elif lowered.startswith("x-ratelimit-limit-"):
            target, kind = limits, lowered[len("x-ratelimit-limit-") :]
        elif lowered.startswith("anthropic-ratelimit-") and lowered.endswith("-remaining"):
            target, kind = remaining, lowered[len("anthropic-ratelimit-") : -len("-remaining")]
        elif lowered.startswith("anthropic-ratelimit-") and lowered.endswith("-limit"):
            target, kind = limits, lowered[len("anthropic-ratelimit-") : -len("-limit")]
        else:
            continue
        number = _to_float(value.strip())
        if number is not None:
            target[kind] = number
    return any(left <= limits.get(kind, 0.0) / 100 for kind, left in remaining.items())


def _to_float(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if number >= 0 else None


def _seconds_until_date(value: str, now: float | None) -> float | None:
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))
