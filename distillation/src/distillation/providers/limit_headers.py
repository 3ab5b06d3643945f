"""The rate-limit headers providers send on every answer, read into one `RateLimitInfo`.

OpenAI (and Groq, Together, OpenRouter ...) send `x-ratelimit-limit-requests`,
`x-ratelimit-remaining-requests` and `x-ratelimit-reset-requests` (and the same for `-tokens`),
resets as Go durations such as "1s", "6m0s" or "20ms". Anthropic sends
`anthropic-ratelimit-requests-limit` / `-remaining` / `-reset` (and `tokens-`, `input-tokens-`,
`output-tokens-`), resets as RFC 3339 times. OpenAI's tokens limit counts input plus output tokens;
Anthropic's `tokens-*` is the most restrictive of its token limits, so it is used when present and
`input-tokens-*` otherwise.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from datetime import datetime

from distillation.providers.types import RateLimitInfo

# Checked before anything is parsed: an answer without them costs two lookups.
_OPENAI_PROBE = "x-ratelimit-limit-requests"
_OPENAI_PROBE_TOKENS = "x-ratelimit-limit-tokens"
_ANTHROPIC_PROBE = "anthropic-ratelimit-requests-limit"
_ANTHROPIC_PROBE_TOKENS = "anthropic-ratelimit-tokens-limit"
_ANTHROPIC_PROBE_INPUT = "anthropic-ratelimit-input-tokens-limit"

_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|us|µs|ns|h|m|s)")
_UNIT_S = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 1e-3, "us": 1e-6, "µs": 1e-6, "ns": 1e-9}


def parse_rate_limit_headers(
    headers: Mapping[str, str] | None, now: float | None = None
) -> RateLimitInfo | None:
    """The rate-limit state an answer's headers state, or None when they state none.

    `headers` should be case-insensitive (the SDKs' httpx headers are); a plain dict must use
    lower-case names. Unreadable or negative values (some gateways send -1) count as absent.

    Example:
        >>> info = parse_rate_limit_headers({"x-ratelimit-limit-requests": "500",
        ...     "x-ratelimit-remaining-requests": "499", "x-ratelimit-reset-requests": "120ms"})
        >>> info.requests_limit, info.requests_remaining, info.requests_reset_s
        (500, 499, 0.12)
    """
    if not headers:
        return None
    if _OPENAI_PROBE in headers or _OPENAI_PROBE_TOKENS in headers:
        return _openai(headers)
    if _ANTHROPIC_PROBE in headers or _ANTHROPIC_PROBE_TOKENS in headers or _ANTHROPIC_PROBE_INPUT in headers:
        return _anthropic(headers, time.time() if now is None else now)
    return None


def _openai(headers: Mapping[str, str]) -> RateLimitInfo:
    get = headers.get
    return RateLimitInfo(
        requests_limit=_count(get("x-ratelimit-limit-requests")),
        requests_remaining=_count(get("x-ratelimit-remaining-requests")),
        requests_reset_s=parse_duration(get("x-ratelimit-reset-requests")),
        tokens_limit=_count(get("x-ratelimit-limit-tokens")),
        tokens_remaining=_count(get("x-ratelimit-remaining-tokens")),
        tokens_reset_s=parse_duration(get("x-ratelimit-reset-tokens")),
    )


def _anthropic(headers: Mapping[str, str], now: float) -> RateLimitInfo:
    get = headers.get
    tokens = "tokens" if _ANTHROPIC_PROBE_TOKENS in headers else "input-tokens"
    return RateLimitInfo(
        requests_limit=_count(get("anthropic-ratelimit-requests-limit")),
        requests_remaining=_count(get("anthropic-ratelimit-requests-remaining")),
        requests_reset_s=_until(get("anthropic-ratelimit-requests-reset"), now),
        tokens_limit=_count(get(f"anthropic-ratelimit-{tokens}-limit")),
        tokens_remaining=_count(get(f"anthropic-ratelimit-{tokens}-remaining")),
        tokens_reset_s=_until(get(f"anthropic-ratelimit-{tokens}-reset"), now),
    )


def parse_duration(value: str | None) -> float | None:
    """Seconds of a Go-style duration ("1s", "6m0s", "20ms", "1h2m3.5s") or a bare number of seconds."""
    if value is None:
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        return seconds if seconds >= 0 else None
    parts = _DURATION.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        return None
    return round(sum(float(n) * _UNIT_S[u] for n, u in parts), 9)


def _until(value: str | None, now: float) -> float | None:
    """Seconds from `now` until an RFC 3339 time (0 when it has passed)."""
    if value is None:
        return None
    try:
        when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return parse_duration(value)  # a gateway sending seconds instead
    if when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - now)


def _count(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        number = int(float(value.strip()))
    except ValueError:
        return None
    return number if number >= 0 else None
