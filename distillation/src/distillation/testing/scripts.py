"""Scriptable behaviour of the fake provider server.

A script is any callable that takes the `RecordedRequest` being served and returns the `Behavior`
to apply, or None for the server's default. Combinators build the common ones:

    >>> script = chain(fail_first(2, rate_limited(retry_after=1)), every(10, server_error(503)))
    >>> script = randomly(0.5, rate_limited(retry_after=1), seed=7)
    >>> script = when(lambda r: "poison" in r.text, hang())
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

BodyMode = Literal["ok", "malformed", "truncated"]
# How an OpenAI-compatible server words its answers (see `FakeProviderServer`).
Dialect = Literal["openai", "groq", "vllm"]
ContentMode = Literal["auto", "invalid_json", "truncated_json", "wrong_schema"]
Finish = Literal["stop", "length", "content_filter"]
# How a request that offers tools is answered: a valid call of the chosen tool ("auto"), a call with
# arguments its schema rejects, a call of a tool not offered, or a text answer with no call.
ToolCallMode = Literal["auto", "invalid_arguments", "unknown_tool", "text"]


@dataclass(frozen=True)
class Behavior:
    """What the server does with one request.

    Attributes:
        status: HTTP status; anything but 200 answers with the API's error body.
        latency: Seconds to wait before answering.
        retry_after: Seconds sent as `Retry-After` (also as Gemini RetryInfo).
        retry_after_ms: Milliseconds sent as `retry-after-ms`.
        hang: Never answer (until the server stops).
        body: "malformed" or "truncated" corrupts the HTTP body itself.
        text: The exact answer text (default: generated from the request).
        content: Corrupts the answer: "invalid_json" (prose), "truncated_json" (last character
            dropped: repairable), "wrong_schema" (valid JSON of the wrong shape).
        finish: "length" or "content_filter" in the API's own words.
        usage: Exact (input, output) token counts to report.
        cached_tokens: Input tokens reported as read from the provider's prompt cache (OpenAI's
            `prompt_tokens_details.cached_tokens`, Anthropic's `cache_read_input_tokens`; part of
            `usage`'s input tokens). None: the server's prompt cache model says, when it has one.
        headers: Extra response headers (of an error answer or a normal one), e.g. a 429's
            `x-ratelimit-remaining-requests` (see `rate_limited`).
        tool_call: When the request offers tools (and asks no structured answer): "auto" calls the
            tool ``tool_choice`` names, else the first, with arguments made from its schema;
            "invalid_arguments" breaks them against the schema; "unknown_tool" calls a tool that was
            not offered; "text" answers in text (see `ToolCallMode`).
        chunk_delay: Seconds between the events of a streamed answer (see `fake_stream`).
    """

    status: int = 200
    latency: float = 0.0
    retry_after: float | None = None
    retry_after_ms: float | None = None
    hang: bool = False
    body: BodyMode = "ok"
    text: str | None = None
    content: ContentMode = "auto"
    finish: Finish = "stop"
    usage: tuple[int, int] | None = None
    cached_tokens: int | None = None
    headers: tuple[tuple[str, str], ...] = ()
    tool_call: ToolCallMode = "auto"
    chunk_delay: float = 0.0

    def with_(self, **changes: Any) -> Behavior:
        """A copy with some fields changed."""
        return replace(self, **changes)


@dataclass(frozen=True)
class ServerLimits:
    """Rate limits the fake server reports and enforces, as a provider's account tier would.

    Every answer on the OpenAI route carries `x-ratelimit-limit-requests` / `-remaining-` / `-reset-`
    (and `-tokens`), on the Anthropic route `anthropic-ratelimit-requests-limit` / `-remaining` /
    `-reset` (and `tokens-`); the Gemini route gets none, like Google's API. Windows slide over the
    last `period_s` seconds of accepted requests; a request's tokens are its text's length / 4 + 1.

    Attributes:
        requests: Requests per window (None: none reported or enforced).
        tokens: Tokens per window, reported only.
        period_s: The window (60 for per-minute limits; tests and benches shrink it).
        enforce: Answer 429 with remaining 0 (and Retry-After until a slot frees) past `requests`.
        max_in_flight: Answer 429 with `x-ratelimit-remaining-requests: 0` when this many requests are
            already being served (a provider out of capacity for us).
    """

    requests: int | None = None
    tokens: int | None = None
    period_s: float = 60.0
    enforce: bool = True
    max_in_flight: int | None = None


@dataclass
class RecordedRequest:
    """One request as the server saw it (the request log's entry).

    Attributes:
        index: Arrival order, from 0.
        api: "openai", "anthropic" or "gemini".
        path: The URL path.
        model: The model named by the request.
        body: The parsed JSON body ({} when unreadable).
        key: sha256 of the raw body: identical retries share it.
        attempt: How many times this exact body has arrived so far, this one included.
        received_at: `time.monotonic()` at arrival.
        text: All message text of the request, joined.
        behavior: The behaviour applied.
        status: The status answered (None while pending or hanging).
        answered_at: `time.monotonic()` when answered.
        headers: The request headers.
        peer: The client's "host:port" (one per TCP connection: shows connection reuse).
        batch: The batch id when the request is a line of a batch (OpenAI Batch API), else None.
    """

    index: int
    api: str
    path: str
    model: str
    body: dict[str, Any]
    key: str
    attempt: int
    received_at: float
    text: str = ""
    behavior: Behavior | None = None
    status: int | None = None
    answered_at: float | None = None
    headers: dict[str, str] = field(default_factory=dict)
    peer: str = ""
    batch: str | None = None


Script = Callable[[RecordedRequest], Behavior | None]


def ok(**fields: Any) -> Behavior:
    """A normal answer (fields override, e.g. `usage=(10, 5)`, `latency=0.2`, `text=...`)."""
    return Behavior(**fields)


def rate_limited(
    retry_after: float | None = None,
    retry_after_ms: float | None = None,
    headers: Mapping[str, str] | None = None,
) -> Behavior:
    """HTTP 429, optionally with Retry-After (seconds) or retry-after-ms and rate-limit headers.

    Example:
        >>> rate_limited(retry_after=1, headers={"x-ratelimit-remaining-requests": "0"}).headers
        (('x-ratelimit-remaining-requests', '0'),)
    """
    extra = tuple((headers or {}).items())
    return Behavior(status=429, retry_after=retry_after, retry_after_ms=retry_after_ms, headers=extra)


def server_error(status: int = 500, retry_after: float | None = None) -> Behavior:
    """A 5xx (500, 502, 503, Anthropic's 529 ...)."""
    return Behavior(status=status, retry_after=retry_after)


def hang() -> Behavior:
    """Never answers."""
    return Behavior(hang=True)


def length(**fields: Any) -> Behavior:
    """An answer cut by the token limit."""
    return Behavior(finish="length", **fields)


def content_filter(**fields: Any) -> Behavior:
    """An answer stopped by the provider's safety filter."""
    return Behavior(finish="content_filter", **fields)


def fail_first(n: int, behavior: Behavior, *, per_request: bool = False) -> Script:
    """The first `n` calls (or the first `n` arrivals of each distinct request) get `behavior`."""

    def script(request: RecordedRequest) -> Behavior | None:
        count = request.attempt if per_request else request.index + 1
        return behavior if count <= n else None

    return script


def every(k: int, behavior: Behavior) -> Script:
    """Every `k`-th call (the k-th, 2k-th, ...) gets `behavior`."""
    return lambda request: behavior if (request.index + 1) % k == 0 else None


def randomly(p: float, behavior: Behavior, *, seed: int = 0) -> Script:
    """Each arrival gets `behavior` with probability `p`.

    The draw hashes (seed, request body, attempt), so it does not depend on arrival order or on
    concurrency: a re-run of the same requests sees the same failures.
    """

    def script(request: RecordedRequest) -> Behavior | None:
        digest = hashlib.sha256(f"{seed}:{request.key}:{request.attempt}".encode()).digest()
        return behavior if int.from_bytes(digest[:8], "big") / 2**64 < p else None

    return script


def jittered(latency: float, spread: float, *, seed: int = 0) -> Script:
    """Each arrival waits a latency drawn uniformly from ``latency ± spread`` (mean ``latency``).

    Real providers' latency varies from call to call; a constant one keeps concurrent clients in
    lockstep. Drawn like `randomly`: the same requests see the same latencies in any order.
    """
    if not 0 <= spread <= latency:
        raise ValueError(f"spread must be between 0 and the latency ({latency}), not {spread}")

    def script(request: RecordedRequest) -> Behavior:
        digest = hashlib.sha256(f"{seed}:{request.key}:{request.attempt}".encode()).digest()
        share = int.from_bytes(digest[:8], "big") / 2**64
        return Behavior(latency=latency - spread + 2 * spread * share)

    return script


def when(predicate: Callable[[RecordedRequest], bool], behavior: Behavior) -> Script:
    """Requests matching `predicate` (e.g. by content) get `behavior`."""
    return lambda request: behavior if predicate(request) else None


def sequence(*behaviors: Behavior) -> Script:
    """Call n gets the n-th behaviour; later calls get the default."""
    return lambda request: behaviors[request.index] if request.index < len(behaviors) else None


def chain(*scripts: Script) -> Script:
    """The first script that returns a behaviour wins."""

    def script(request: RecordedRequest) -> Behavior | None:
        for candidate in scripts:
            behavior = candidate(request)
            if behavior is not None:
                return behavior
        return None

    return script
