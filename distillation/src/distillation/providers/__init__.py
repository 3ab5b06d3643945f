"""Providers: every LLM behind one async interface.

Design
------
* Ids are "provider:model": `openai`, `anthropic`, `google` (google-genai), `openai-compatible`
  (any `base_url`: Ollama, vLLM, llama.cpp server, LM Studio, Groq, Together) and `local`
  (in-process GGUF via llama-cpp-python; `local:smollm2-135m` is the bundled offline default).
  `get_model(id, credentials=...)` returns an `LLMClient`; third parties register adapters with
  `register_provider` or the `distillation.providers` entry-point group.
* Three layers. `wire/` builds request bodies and parses responses (pure, no I/O). `adapters/`
  own auth and the SDK client, send exactly one request, and map every SDK exception to the typed
  errors in `errors`. `LLMClient` adds everything else, once, for all providers.
* One retry layer: SDK retries are off (`max_retries=0`, Gemini `attempts=1`). We retry 429, 5xx,
  timeouts, dropped connections and unreadable bodies with jittered exponential backoff, never
  before the provider's Retry-After / retry-after-ms, up to `RetryPolicy.max_attempts` (6) per call.
  Every attempt, failed ones included, becomes an `Attempt` (outcome, usage, latency) passed to
  `on_attempt` and kept on the result or error; `ChatResult.usage` sums all of them.
* Rate limits per provider/model: sliding windows for requests and tokens per minute, in-process by
  default or shared through Redis (`RedisLimiter`, one Lua script); an adaptive concurrency cap
  shrinks 15% on capacity signals (a 429 with no capacity left in its headers, 503/529 overloaded, 429s in
  more than 30% of recent answers) and recovers additively; a sporadic 429 is only retried.
* Structured output: the provider's native JSON-schema mode (OpenAI `json_schema`, Anthropic forced
  tool call, Gemini `response_json_schema`, llama.cpp grammar), then JSON-schema/pydantic
  validation, json-repair, and bounded re-asks carrying the validation error. A `length` or
  `content_filter` finish is an `OutputError` that keeps the raw text.
* Every request has a `fingerprint` (model, sorted settings, template hash, messages, schema): the
  cache and resume key.
* The library reads no environment variables: keys and URLs come in `Credentials`, and missing
  ones raise errors that name the setting to set; a missing SDK names the extra to install.
"""

from distillation.providers.base import ProviderAdapter
from distillation.providers.client import AttemptStart, EffectiveLimits, LLMClient
from distillation.providers.credentials import Credentials
from distillation.providers.errors import (
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    InvalidResponseError,
    MissingCredentialsError,
    MissingDependencyError,
    OutputError,
    ProviderConnectError,
    ProviderConnectionError,
    ProviderError,
    ProviderTimeoutError,
    RateLimitedError,
    ServerError,
    UnknownProviderError,
    UnsupportedFeatureError,
)
from distillation.providers.fingerprint import fingerprint
from distillation.providers.limit_headers import parse_rate_limit_headers
from distillation.providers.ratelimit import (
    AdaptiveConcurrency,
    Limiter,
    MemoryLimiter,
    RateLimit,
    littles_law_cap,
)
from distillation.providers.redis_limiter import RedisLimiter
from distillation.providers.registry import (
    available_providers,
    get_model,
    register_provider,
    runs_in_process,
)
from distillation.providers.retry import RetryPolicy
from distillation.providers.types import (
    Attempt,
    ChatRequest,
    ChatResult,
    Completion,
    Message,
    Outcome,
    RateLimitInfo,
    Usage,
)

__all__ = [
    "AdaptiveConcurrency",
    "Attempt",
    "AttemptStart",
    "AuthenticationError",
    "BadRequestError",
    "ChatRequest",
    "ChatResult",
    "Completion",
    "ConfigurationError",
    "Credentials",
    "EffectiveLimits",
    "InvalidResponseError",
    "LLMClient",
    "Limiter",
    "MemoryLimiter",
    "Message",
    "MissingCredentialsError",
    "MissingDependencyError",
    "Outcome",
    "OutputError",
    "ProviderAdapter",
    "ProviderConnectError",
    "ProviderConnectionError",
    "ProviderError",
    "ProviderTimeoutError",
    "RateLimit",
    "RateLimitInfo",
    "RateLimitedError",
    "RedisLimiter",
    "RetryPolicy",
    "ServerError",
    "UnknownProviderError",
    "UnsupportedFeatureError",
    "Usage",
    "available_providers",
    "fingerprint",
    "get_model",
    "littles_law_cap",
    "parse_rate_limit_headers",
    "register_provider",
    "runs_in_process",
]
