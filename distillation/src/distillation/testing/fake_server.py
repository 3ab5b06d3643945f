"""A fake LLM provider: a real HTTP server on 127.0.0.1 speaking three wire formats.

It serves OpenAI chat completions (`POST /v1/chat/completions`, `GET /v1/models`), Anthropic messages
(`POST /v1/messages`) and Gemini generateContent (`POST /v1beta/models/{model}:generateContent`), each
also streamed as the API's server-sent events (see `distillation.testing.fake_stream`), the batch APIs
of all three (OpenAI's Files and Batch APIs, Anthropic's Message Batches, Gemini's batch mode; see
`distillation.testing.fake_batches`) and OpenAI's and Together's fine-tuning jobs
(`distillation.testing.fake_finetune`), so the real SDKs can be tested against it. Each request is
logged and answered according to a script (see `distillation.testing.scripts`): latency, 429 with
Retry-After, 5xx, hangs, corrupted bodies or answers, `length` finishes and exact usage. With `limits`
(`ServerLimits`) it reports rate-limit headers on every answer in the OpenAI or Anthropic style and
enforces a requests-per-window limit and an in-flight cap with 429s. With `dialect` its OpenAI routes
speak like Groq (under `/openai/v1`, with Groq's extra usage fields) or vLLM (vLLM's extra fields, its
top-level error object) instead of OpenAI. It runs its own event loop in a background thread (a raw
aiohttp low-level server, well under a millisecond per request), so sync code, async tests and
benchmarks can all use it.

Example:
    >>> with FakeProviderServer(fail_first(1, rate_limited(retry_after=1))) as server:  # doctest: +SKIP
    ...     client = openai.OpenAI(base_url=server.openai_base_url, api_key="test")
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import socket
import sys
import threading
import time
from collections import Counter, deque
from datetime import UTC, datetime
from types import TracebackType
from typing import Any

import orjson
from aiohttp import web

from distillation.testing.answers import preference_script
from distillation.testing.fake_batches import (
    AnthropicBatches,
    BatchPlan,
    GeminiBatches,
    OpenAIBatches,
    serve_gemini_batches,
    serve_message_batches,
    serve_openai_batches,
)
from distillation.testing.fake_cache import PromptCacheModel
from distillation.testing.fake_finetune import FakeFinetunes, FinetunePlan, handles, serve_finetunes
from distillation.testing.fake_stream import stream_answer, wants_stream
from distillation.testing.fake_wire import error_body, error_headers, request_text, success_body
from distillation.testing.scripts import (
    Behavior,
    Dialect,
    RecordedRequest,
    Script,
    ServerLimits,
    chain,
    hang,
    jittered,
    randomly,
    rate_limited,
    server_error,
)

_JSON = "application/json"


class FakeProviderServer:
    """A scriptable fake provider on a random free port of 127.0.0.1.

    Args:
        script: Picks the behaviour of each request; None answers every request normally.
        default: The behaviour when the script returns None.
        models: Model ids listed by `GET /v1/models`.
        port: A fixed port (0 picks a free one).
        limits: Rate limits to report in headers and enforce (see `ServerLimits`).
        dialect: How the OpenAI routes answer: "openai", "groq" or "vllm" (see the module docstring).
        batches: How batches of the OpenAI Batch API run (see `BatchPlan`; at once by default).
        prompt_cache: Model the providers' prompt caches: a request whose prefix an earlier one of the
            same model sent reports those input tokens as cached (see `fake_cache`), unless its
            behaviour sets `cached_tokens` itself. Off: no cached tokens but the behaviour's.
        finetunes: How fine-tuning jobs run (see `FinetunePlan` in `distillation.testing.fake_finetune`).
    """

    def __init__(
        self,
        script: Script | None = None,
        *,
        default: Behavior | None = None,
        models: tuple[str, ...] = ("fake-model",),
        port: int = 0,
        limits: ServerLimits | None = None,
        dialect: Dialect = "openai",
        batches: BatchPlan | None = None,
        prompt_cache: bool = False,
        finetunes: FinetunePlan | None = None,
    ) -> None:
        self.script = script
        self.prompt_cache = PromptCacheModel() if prompt_cache else None
        self.dialect: Dialect = dialect
        self._openai_prefix = "/openai/v1" if dialect == "groq" else "/v1"
        self.default = default or Behavior()
        self.limits = limits
        self._window: deque[tuple[float, int]] = deque()  # (arrival, tokens) of accepted requests
        self._in_flight = 0
        self.models = models
        self._port = port
        self._log: list[RecordedRequest] = []
        self._seen: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._stopping: asyncio.Event | None = None
        self._runner: web.ServerRunner | None = None
        self.batch_api = OpenAIBatches(self._answer_line, batches or BatchPlan())
        self.message_batches = AnthropicBatches(self._answer_line, batches or BatchPlan())
        self.gemini_batches = GeminiBatches(self._answer_line, batches or BatchPlan())
        self.finetunes = FakeFinetunes(self.batch_api, finetunes or FinetunePlan())

    # -- lifecycle -------------------------------------------------------------------------------

    def start(self) -> FakeProviderServer:
        """Starts serving in a background thread; returns once the port is bound."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self._port))
        sock.listen(1024)
        self._port = sock.getsockname()[1]
        ready = threading.Event()
        self._thread = threading.Thread(
            target=self._run, args=(sock, ready), name="fake-provider", daemon=True
        )
        self._thread.start()
        ready.wait(10)
        return self

    def stop(self) -> None:
        """Stops the server; hanging requests are released and connections closed."""
        if self._loop is None or self._thread is None:
            return
        asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop).result(10)
        self._thread.join(10)
        self._loop = self._thread = None

    def __enter__(self) -> FakeProviderServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    async def __aenter__(self) -> FakeProviderServer:
        return await asyncio.to_thread(self.start)

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await asyncio.to_thread(self.stop)

    # -- addresses -------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """Root URL, e.g. http://127.0.0.1:54321 (the Anthropic and Gemini base URL)."""
        return f"http://127.0.0.1:{self._port}"

    @property
    def openai_base_url(self) -> str:
        """Base URL for the OpenAI SDK (with /v1; /openai/v1 in the Groq dialect)."""
        return f"{self.url}{self._openai_prefix}"

    # -- request log -----------------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        """A snapshot of the request log, in arrival order."""
        with self._lock:
            return list(self._log)

    def arrivals(self, key: str) -> list[float]:
        """Arrival times (monotonic) of every copy of one request body, e.g. to check retry spacing."""
        return [r.received_at for r in self.requests if r.key == key]

    def reset(
        self,
        script: Script | None = None,
        *,
        default: Behavior | None = None,
        limits: ServerLimits | None = None,
        batches: BatchPlan | None = None,
        finetunes: FinetunePlan | None = None,
    ) -> None:
        """Clears the log, counters and prompt cache; installs a new script (and default, limits, plans).

        Files, batches and fine-tuning jobs already created are kept (a client may still poll them).
        """
        if self.prompt_cache is not None:
            self.prompt_cache = PromptCacheModel()
        with self._lock:
            plan = batches or BatchPlan()
            self.batch_api.plan = self.message_batches.plan = self.gemini_batches.plan = plan
            self.finetunes.plan = finetunes or FinetunePlan()
            self._log.clear()
            self._seen.clear()
            self._window.clear()
            self.script = script
            self.default = default or Behavior()
            self.limits = limits

    # -- serving ---------------------------------------------------------------------------------

    def _run(self, sock: socket.socket, ready: threading.Event) -> None:
        self._loop = asyncio.new_event_loop()
        self._loop.run_until_complete(self._serve(sock))
        ready.set()
        self._loop.run_forever()
        self._loop.close()

    async def _serve(self, sock: socket.socket) -> None:
        self._stopping = asyncio.Event()
        server = web.Server(self._handle, access_log=None)
        self._runner = web.ServerRunner(server, handle_signals=False, shutdown_timeout=0.5)
        await self._runner.setup()
        await web.SockSite(self._runner, sock).start()

    async def _shutdown(self) -> None:
        assert self._stopping is not None
        assert self._runner is not None
        assert self._loop is not None
        self._stopping.set()
        await self._runner.cleanup()
        self._loop.call_soon(self._loop.stop)

    async def _handle(self, request: web.BaseRequest) -> web.StreamResponse:
        if handles(request.path):
            return await serve_finetunes(self.finetunes, request, self._log_batch_call)
        if request.path.startswith(("/v1/files", "/v1/batches")):
            return await serve_openai_batches(self.batch_api, request, self._log_batch_call)
        if request.path.startswith("/v1/messages/batches"):
            return await serve_message_batches(self.message_batches, request, self._log_batch_call, self.url)
        if request.path.startswith("/v1beta/batches/") or request.path.endswith(":batchGenerateContent"):
            return await serve_gemini_batches(self.gemini_batches, request, self._log_batch_call)
        route = _route(request.method, request.path, self._openai_prefix)
        if route is None:
            return _json_response({"error": {"message": f"no route {request.method} {request.path}"}}, 404)
        api, model = route
        if api == "models":
            models = (*self.models, *self.finetunes.models())
            data = [{"id": m, "object": "model", "created": 0, "owned_by": "fake"} for m in models]
            return _json_response({"object": "list", "data": data}, 200)
        record = self._record(api, request, model, await request.read())
        if api == "openai" and self.finetunes.refuses(record.model):
            error = {"message": f"The model `{record.model}` does not exist", "code": "model_not_found"}
            return _json_response({"error": {**error, "type": "invalid_request_error", "param": None}}, 404)
        limits = self.limits
        refusal, extra = self._admit(record, limits) if limits is not None else (None, {})
        behavior = refusal or (self.script(record) if self.script else None) or self.default
        if extra:
            behavior = behavior.with_(headers=behavior.headers + tuple(extra.items()))
        behavior = self._cached(record, behavior)
        record.behavior = behavior
        if refusal is None:
            self._in_flight += 1
        try:
            response = await self._respond(record, behavior, request)
        finally:
            if refusal is None:
                self._in_flight -= 1
        record.status, record.answered_at = response.status, time.monotonic()
        return response

    def _admit(self, record: RecordedRequest, limits: ServerLimits) -> tuple[Behavior | None, dict[str, str]]:
        """A 429 for a request past the limits (or None), and the rate-limit headers of its answer."""
        now = record.received_at
        window = self._window
        while window and window[0][0] <= now - limits.period_s:
            window.popleft()
        if limits.max_in_flight is not None and self._in_flight >= limits.max_in_flight:
            return rate_limited(headers={"x-ratelimit-remaining-requests": "0"}), {}
        cost = len(record.text) // 4 + 1
        full = limits.requests is not None and len(window) >= limits.requests
        if full and limits.enforce:
            reset = window[0][0] + limits.period_s - now
            headers = _limit_headers(record.api, limits, 0, reset, self._tokens_left(limits), reset)
            return rate_limited(retry_after=round(reset, 3)), headers
        window.append((now, cost))
        reset = window[0][0] + limits.period_s - now
        left = None if limits.requests is None else max(0, limits.requests - len(window))
        return None, _limit_headers(record.api, limits, left, reset, self._tokens_left(limits), reset)

    def _tokens_left(self, limits: ServerLimits) -> int | None:
        if limits.tokens is None:
            return None
        return max(0, limits.tokens - sum(cost for _, cost in self._window))

    def _record(self, api: str, request: web.BaseRequest, model: str, raw: bytes) -> RecordedRequest:
        return self._log_request(api, request.path, model, raw, dict(request.headers), _peer(request))

    def _log_request(
        self,
        api: str,
        path: str,
        model: str,
        raw: bytes,
        headers: dict[str, str],
        peer: str,
        batch: str | None = None,
    ) -> RecordedRequest:
        try:
            body = orjson.loads(raw) if raw else {}
        except orjson.JSONDecodeError:
            body = {}
        key = hashlib.sha256(raw).hexdigest()
        with self._lock:
            self._seen[key] += 1
            record = RecordedRequest(
                index=len(self._log),
                api=api,
                path=path,
                model=model or str(body.get("model", "")),
                body=body,
                key=key,
                attempt=self._seen[key],
                received_at=time.monotonic(),
                text=request_text(api, body),
                headers=headers,
                peer=peer,
                batch=batch,
            )
            self._log.append(record)
        return record

    # -- batch APIs (see `distillation.testing.fake_batches`) -----------------------------------

    def _log_batch_call(self, api: str, request: web.BaseRequest, raw: bytes) -> None:
        self._record(api, request, "", raw)

    def _answer_line(self, batch_id: str, url: str, raw: bytes) -> tuple[int, dict[str, Any]]:
        """One line of a batch, answered as the script would answer it online (logged with its batch)."""
        api, model = _route("POST", url) or ("openai", "")
        record = self._log_request(api, url, model, raw, {}, "", batch=batch_id)
        behavior = self._cached(record, (self.script(record) if self.script else None) or self.default)
        record.behavior, record.status, record.answered_at = behavior, behavior.status, time.monotonic()
        if behavior.status != 200:
            return behavior.status, error_body(api, behavior)
        return 200, success_body(record, behavior)

    def _cached(self, record: RecordedRequest, behavior: Behavior) -> Behavior:
        """The behaviour with the input tokens the prompt cache model read (answered requests only)."""
        if self.prompt_cache is None or behavior.status != 200 or behavior.cached_tokens is not None:
            return behavior
        cached = self.prompt_cache.cached_tokens(record)
        if behavior.usage is not None:
            cached = min(cached, behavior.usage[0])
        return behavior.with_(cached_tokens=cached)

    async def _respond(
        self, record: RecordedRequest, behavior: Behavior, request: web.BaseRequest
    ) -> web.StreamResponse:
        if behavior.latency:  # counted from the request's arrival, as a client sees a provider's latency
            await asyncio.sleep(behavior.latency - (time.monotonic() - record.received_at))
        if behavior.hang:
            assert self._stopping is not None
            await self._stopping.wait()
            return _json_response({"error": {"message": "server stopping"}}, 503)
        if behavior.status != 200:
            body = error_body(record.api, behavior, self.dialect)
            return _json_response(body, behavior.status, error_headers(behavior))
        answer = success_body(record, behavior, self.dialect)
        if wants_stream(record) and behavior.body == "ok":  # the same answer, as the API's SSE events
            return await stream_answer(request, record, behavior, answer)
        payload = orjson.dumps(answer)
        if behavior.body == "malformed":
            payload = b'{"id": "broken", "choices": [oops'
        elif behavior.body == "truncated":
            payload = payload[: len(payload) // 2]
        headers = dict(behavior.headers) if behavior.headers else None
        return web.Response(body=payload, status=200, content_type=_JSON, headers=headers)


def _limit_headers(
    api: str,
    limits: ServerLimits,
    requests_left: int | None,
    requests_reset: float,
    tokens_left: int | None,
    tokens_reset: float,
) -> dict[str, str]:
    """Rate-limit headers in the route's provider style (none for Gemini)."""
    found: dict[str, str] = {}
    kinds = [("requests", limits.requests, requests_left, requests_reset)]
    kinds.append(("tokens", limits.tokens, tokens_left, tokens_reset))
    for kind, limit, left, reset in kinds:
        if limit is None or left is None:
            continue
        if api == "openai":
            found[f"x-ratelimit-limit-{kind}"] = str(limit)
            found[f"x-ratelimit-remaining-{kind}"] = str(left)
            found[f"x-ratelimit-reset-{kind}"] = f"{max(0.0, reset) * 1000:.0f}ms"
        elif api == "anthropic":
            when = datetime.fromtimestamp(time.time() + max(0.0, reset), UTC)
            found[f"anthropic-ratelimit-{kind}-limit"] = str(limit)
            found[f"anthropic-ratelimit-{kind}-remaining"] = str(left)
            found[f"anthropic-ratelimit-{kind}-reset"] = when.isoformat().replace("+00:00", "Z")
    return found


def _peer(request: web.BaseRequest) -> str:
    peer = request.transport.get_extra_info("peername") if request.transport else None
    return f"{peer[0]}:{peer[1]}" if peer else ""


def _route(method: str, path: str, openai_prefix: str = "/v1") -> tuple[str, str] | None:
    """Maps a request to (api, model from the path); OpenAI's routes live under ``openai_prefix``."""
    if method == "GET" and path == f"{openai_prefix}/models":
        return "models", ""
    if method != "POST":
        return None
    if path == f"{openai_prefix}/chat/completions":
        return "openai", ""
    if path == "/v1/messages":
        return "anthropic", ""
    for prefix in ("/v1beta/models/", "/v1/models/"):
        for method_name in (":generateContent", ":streamGenerateContent"):
            if path.startswith(prefix) and path.endswith(method_name):
                return "gemini", path[len(prefix) : -len(method_name)]
    return None


def _json_response(body: Any, status: int, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(body=orjson.dumps(body), status=status, headers=headers, content_type=_JSON)


def main(argv: list[str] | None = None) -> None:
    """Runs the server in the foreground (`python -m distillation.testing`), e.g. for benchmarks."""
    parser = argparse.ArgumentParser(description="Fake LLM provider on 127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds per request")
    parser.add_argument("--jitter", type=float, default=0.0, help="latency ± this many seconds, evenly")
    parser.add_argument("--p429", type=float, default=0.0, help="share of requests answered 429")
    parser.add_argument("--retry-after", type=float, default=1.0, help="Retry-After of those 429s")
    parser.add_argument("--p5xx", type=float, default=0.0, help="share of requests answered 503")
    parser.add_argument("--hang", type=float, default=0.0, help="share of requests never answered")
    parser.add_argument("--rpm", type=int, default=None, help="requests per window: reported and enforced")
    parser.add_argument("--tpm", type=int, default=None, help="tokens per window: reported")
    parser.add_argument("--period", type=float, default=60.0, help="the window of --rpm/--tpm, in seconds")
    parser.add_argument("--max-in-flight", type=int, default=None, help="429 above this many in flight")
    parser.add_argument("--batch-delay", type=float, default=0.0, help="seconds a batch takes to end")
    args = parser.parse_args(argv)
    limits = None
    if args.rpm or args.tpm or args.max_in_flight:
        limits = ServerLimits(
            requests=args.rpm, tokens=args.tpm, period_s=args.period, max_in_flight=args.max_in_flight
        )
    script = chain(
        randomly(args.p429, rate_limited(retry_after=args.retry_after), seed=1),
        randomly(args.p5xx, server_error(503), seed=2),
        randomly(args.hang, hang(), seed=3),
        preference_script(),  # pairwise verdicts, and answers of a model named "...teacher..."
        jittered(args.latency, args.jitter, seed=4),
    )
    server = FakeProviderServer(
        script,
        default=Behavior(latency=args.latency),
        port=args.port,
        models=("fake-model", "fake-teacher"),
        limits=limits,
        batches=BatchPlan(delay_s=args.batch_delay),
    )
    server.start()
    sys.stdout.write(f"fake provider listening on {server.url}\n")
    sys.stdout.flush()
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        server.stop()
