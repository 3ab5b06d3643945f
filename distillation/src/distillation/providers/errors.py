"""Typed errors of the provider layer.

Adapters translate every SDK exception into one of these, so callers (and the retry layer) never
depend on an SDK's exception classes. Errors that leave `LLMClient.chat` carry every attempt made.
"""

from __future__ import annotations

from typing import ClassVar

from distillation.providers.types import Attempt, Outcome, RateLimitInfo, Usage


class ProviderError(Exception):
    """Base class of every provider-layer error.

    Attributes:
        retryable: Whether the retry layer may send the request again.
        outcome: The attempt outcome this error stands for.
        status_code: HTTP status of the failed exchange, when there was one.
        retry_after: Seconds the provider asked us to wait (Retry-After / retry-after-ms).
        capacity_exhausted: The answer says the provider is out of capacity for us (a 429 whose
            rate-limit headers show nothing left, a 503/529 "overloaded"), so fewer requests should be
            in flight; a 429 without that says only "retry later".
        rate_limit: The rate-limit state the answer's headers reported (429s and others), if any.
        attempts: Every attempt of the `chat` call that raised it (filled by `LLMClient`).
        sent: False when the request surely never left the process (no connection could be opened):
            nothing can have been billed, and the attempt is booked as `Outcome.NOT_SENT`.
    """

    retryable: ClassVar[bool] = False
    sent: ClassVar[bool] = True
    outcome: ClassVar[Outcome] = Outcome.CLIENT_ERROR

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        retry_after: float | None = None,
        capacity_exhausted: bool = False,
        rate_limit: RateLimitInfo | None = None,
    ):
        super().__init__(message)
        self.status_code = status_code
        self.retry_after = retry_after
        self.capacity_exhausted = capacity_exhausted
        self.rate_limit = rate_limit
        self.attempts: tuple[Attempt, ...] = ()

    @property
    def usage(self) -> Usage:
        """Usage summed over every attempt with known usage."""
        return Usage.total(a.usage for a in self.attempts)


class ConfigurationError(ProviderError):
    """The model id, options or credentials cannot work; nothing was sent."""


class UnknownProviderError(ConfigurationError):
    """No adapter is registered for the provider part of a model id."""


class UnsupportedFeatureError(ConfigurationError):
    """The request asks for something this provider cannot do (raised instead of silently ignoring it)."""


class MissingDependencyError(ConfigurationError):
    """An optional SDK is not installed."""

    def __init__(self, provider: str, package: str, extra: str):
        super().__init__(
            f"The {provider!r} provider needs the {package!r} package, which is not installed: "
            f"pip install 'distillation[{extra}]'"
        )
        self.package = package
        self.extra = extra


class MissingCredentialsError(ConfigurationError):
    """A required key or URL was not given."""

    def __init__(self, provider: str, setting: str, field: str = "api_key"):
        super().__init__(
            f"No {field} for the {provider!r} provider: set {setting} "
            f"(or pass credentials={{'{field}': ...}} to get_model)"
        )
        self.setting = setting
        self.field = field


class RateLimitedError(ProviderError):
    """HTTP 429 or the provider's equivalent."""

    retryable = True
    outcome = Outcome.RATE_LIMITED


class ServerError(ProviderError):
    """5xx, 408, 409 or the provider's "overloaded" answers."""

    retryable = True
    outcome = Outcome.SERVER_ERROR


class ProviderTimeoutError(ProviderError):
    """The attempt did not finish within the per-call timeout."""

    retryable = True
    outcome = Outcome.TIMEOUT


class ProviderConnectionError(ProviderError):
    """The connection failed or dropped before a response arrived."""

    retryable = True
    outcome = Outcome.CONNECTION_ERROR


class ProviderConnectError(ProviderConnectionError):
    """No connection could be opened (refused, unreachable, a connect timeout, a failed TLS handshake).

    The request's bytes are written only on an open connection, so this one was never sent. A
    connection that dropped after it opened is a plain `ProviderConnectionError`: the request may
    have reached the provider.
    """

    sent = False


def never_connected(exc: BaseException) -> bool:
    """Whether ``exc`` (or what it wraps) says the connection was never opened, so nothing was sent."""
    seen: BaseException | None = exc
    for _ in range(10):  # SDKs and their transports wrap the cause a few times
        if seen is None:
            return False
        if isinstance(seen, ConnectionRefusedError) or type(seen).__name__ in _CONNECT_FAILURES:
            return True
        seen = seen.__cause__ or seen.__context__
    return False


# The transports' "could not open the connection" errors (aiohttp's and httpx's): raised before any
# byte of the request is written.
_CONNECT_FAILURES = frozenset(
    {
        "ClientConnectorError",
        "ClientConnectorSSLError",
        "ClientConnectorCertificateError",
        "ClientConnectorDNSError",
        "ConnectionTimeoutError",
        "ConnectError",
        "ConnectTimeout",
    }
)


class InvalidResponseError(ProviderError):
    """The provider answered 2xx with a body that cannot be read (malformed or truncated JSON)."""

    retryable = True
    outcome = Outcome.INVALID_RESPONSE


class AuthenticationError(ProviderError):
    """401/403: the key is wrong or lacks permission."""

    outcome = Outcome.AUTH_ERROR


class BadRequestError(ProviderError):
    """Any other 4xx: the request itself is wrong and retrying cannot help."""

    outcome = Outcome.CLIENT_ERROR


class OutputError(ProviderError):
    """The model answered, but the answer is unusable.

    Raised for a truncated answer (`length`), a refusal or filter (`content_filter`) and for structured
    output that still fails validation after repair and re-asks (`invalid_output`).

    Attributes:
        reason: One of "length", "content_filter", "invalid_output".
        raw_text: The raw text of the last answer, kept for the rejected-row record.
        finish_reason: The provider's own finish reason, when known.
        capped: The output cap a budget lowered the last attempt to, if it did (a cut-off answer then
            says the budget ran out, not that the request asks for too little).
    """

    def __init__(
        self,
        message: str,
        *,
        reason: str,
        raw_text: str,
        finish_reason: str | None = None,
        capped: int | None = None,
    ):
        super().__init__(message)
        self.reason = reason
        self.raw_text = raw_text
        self.finish_reason = finish_reason
        self.capped = capped


# "Service unavailable" and Anthropic's "overloaded": the provider as a whole has no room for us.
OVERLOADED_STATUSES = frozenset({503, 529})


def error_for_status(
    status: int,
    message: str,
    retry_after: float | None = None,
    *,
    exhausted: bool = False,
    rate_limit: RateLimitInfo | None = None,
) -> ProviderError:
    """Maps an HTTP status to the typed error the retry layer understands.

    `exhausted` says the answer's rate-limit headers show no capacity left (see
    `distillation.providers.retry.capacity_exhausted`); it marks a 429 as a capacity signal.
    """
    cls: type[ProviderError]
    if status == 429:
        cls = RateLimitedError
    elif status >= 500 or status in (408, 409):
        cls = ServerError
    elif status in (401, 403):
        cls = AuthenticationError
    else:
        cls = BadRequestError
    capacity = status in OVERLOADED_STATUSES or (status == 429 and exhausted)
    return cls(
        message,
        status_code=status,
        retry_after=retry_after,
        capacity_exhausted=capacity,
        rate_limit=rate_limit,
    )
