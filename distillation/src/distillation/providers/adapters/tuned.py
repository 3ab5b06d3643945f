"""A fine-tuned student as a provider: `tuned:<run folder>` answers from a finished fine-tune run.

A run that exported GGUF files answers through llama-cpp-python (the `local` adapter, q8_0 preferred);
otherwise its LoRA adapter is applied to its base model with transformers + peft (the CPU is enough
for small models). The service passes `run_dir` when the model part is a run id rather than a folder.
Weights come only from local files. Tuned models are priced $0 unless a price override names them.
"""

from __future__ import annotations

import asyncio
import re
import threading
from collections.abc import AsyncIterator, Callable, Mapping
from pathlib import Path
from typing import Any, Literal

from distillation.providers.adapters.local import LocalAdapter
from distillation.providers.credentials import Credentials
from distillation.providers.errors import ConfigurationError, ProviderError, UnsupportedFeatureError
from distillation.providers.tools import tool_turns
from distillation.providers.types import ChatRequest, Completion, FinishReason, Usage

Backend = Literal["auto", "gguf", "adapter"]
DEFAULT_MAX_TOKENS = 256
_OPTIONS = {"run_dir", "backend", "device", "n_ctx", "n_threads"}
# An answer that cannot be streamed as it is generated goes out a word at a time (with its spaces).
_WORDS = re.compile(r"\S+\s*|\s+")
Push = Callable[[str], None]


def gguf_file(run_dir: Path) -> Path | None:
    """The run's GGUF export a provider loads (q8_0, else f16, else any), None when it has none."""
    files = sorted((run_dir / "gguf").glob("*.gguf"))
    for suffix in ("q8_0", "f16"):
        preferred = [path for path in files if path.stem.endswith(suffix)]
        if preferred:
            return preferred[0]
    return files[0] if files else None


class _TransformersModel:
    """The run's base model with its adapter, loaded once on first use; one generation at a time."""

    def __init__(self, run_dir: Path, device: str) -> None:
        self._run_dir, self._device = run_dir, device
        self._lock = threading.Lock()
        self._loaded: tuple[Any, Any] | None = None

    def generate(self, request: ChatRequest, push: Push | None = None) -> Completion:
        """One answer; ``push`` gets its text piece by piece while it is generated."""
        with self._lock:
            if self._loaded is None:
                from distillation.finetune.api import load_run_model

                self._loaded = load_run_model(self._run_dir, self._device)  # type: ignore[arg-type]
            model, tokenizer = self._loaded
            return _generate(model, tokenizer, request, None if push is None else _streamer(tokenizer, push))


def _streamer(tokenizer: Any, push: Push) -> Any:
    """A transformers streamer that hands each piece of decoded text (whole words) to ``push``."""
    import transformers

    class _Pieces(transformers.TextStreamer):
        def on_finalized_text(self, text: str, stream_end: bool = False) -> None:
            if text:
                push(text)

    return _Pieces(tokenizer, skip_prompt=True, skip_special_tokens=True)


def _generate(model: Any, tokenizer: Any, request: ChatRequest, streamer: Any = None) -> Completion:
    import torch

    if tool_turns(request):
        raise UnsupportedFeatureError("a tuned local model does not call tools here; use a hosted teacher")
    messages = [{"role": m.role, "content": m.content} for m in request.messages]
    text = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    batch = tokenizer(text, add_special_tokens=False, return_tensors="pt").to(next(model.parameters()).device)
    limit = request.max_tokens or DEFAULT_MAX_TOKENS
    sample = bool(request.temperature)
    settings: dict[str, Any] = {"do_sample": sample}
    if sample:
        # top_k as llama.cpp's sampler takes it (a provider option); transformers' own default otherwise.
        top_k = request.provider_options.get("top_k")
        settings.update(temperature=request.temperature, top_p=request.top_p or 1.0)
        if top_k is not None:
            settings["top_k"] = int(top_k)
    if request.seed is not None:
        torch.manual_seed(request.seed)
    with torch.no_grad():
        output = model.generate(
            **batch, max_new_tokens=limit, pad_token_id=tokenizer.pad_token_id,
            eos_token_id=tokenizer.eos_token_id, streamer=streamer, **settings,
        )  # fmt: skip
    tokens = output[0, batch["input_ids"].shape[1] :].tolist()
    ended = tokenizer.eos_token_id in tokens
    kept = tokens[: tokens.index(tokenizer.eos_token_id)] if ended else tokens
    answer, stopped = _cut_at_stop(tokenizer.decode(kept, skip_special_tokens=True), request.stop)
    finish: FinishReason = "stop" if ended or stopped or len(tokens) < limit else "length"
    usage = Usage(input_tokens=int(batch["input_ids"].shape[1]), output_tokens=len(kept) + int(ended))
    return Completion(text=answer.strip(), finish_reason=finish, usage=usage, raw_finish_reason=finish)


def _cut_at_stop(text: str, stop: tuple[str, ...] | None) -> tuple[str, bool]:
    cuts = [text.index(s) for s in stop or () if s and s in text]
    return (text[: min(cuts)], True) if cuts else (text, False)


class TunedAdapter:
    """Chat completions from a finished fine-tune run (see the module docstring).

    Args:
        model: The run's folder, or its id when `run_dir` is given.
        run_dir: The run's folder (default: `model`).
        backend: `gguf` (the GGUF export through llama.cpp), `adapter` (transformers + peft), or
            `auto`: the GGUF export when the run has one.
        device: Device of the transformers backend (`cpu`, `cuda`, `mps`, `auto`).
        n_ctx: Context window of the GGUF backend.
        n_threads: CPU threads of the GGUF backend.
    """

    provider = "tuned"
    native_schema = False

    def __init__(
        self,
        model: str,
        *,
        run_dir: str | Path | None = None,
        backend: Backend = "auto",
        device: str = "cpu",
        n_ctx: int = 2048,
        n_threads: int | None = None,
    ) -> None:
        self.model = model
        self.run_dir = Path(run_dir or model).expanduser()
        _check_run(self.run_dir)
        gguf = gguf_file(self.run_dir) if backend != "adapter" else None
        if backend == "gguf" and gguf is None:
            raise ConfigurationError(f"the run in {self.run_dir} has no GGUF export; use backend 'adapter'")
        self.backend: Backend = "gguf" if gguf is not None else "adapter"
        self._local: LocalAdapter | None = None
        self._transformers: _TransformersModel | None = None
        if gguf is not None:
            self._local = LocalAdapter(model, model_path=str(gguf), n_ctx=n_ctx, n_threads=n_threads)
        else:
            self._transformers = _TransformersModel(self.run_dir, device)
        self._queue: asyncio.Lock | None = None

    async def complete(self, request: ChatRequest, time_limit: float) -> Completion:
        """Generates one answer (see `ProviderAdapter.complete`)."""
        if request.response_schema is not None and self._local is None:
            raise UnsupportedFeatureError("tuned models answer JSON schemas only from a GGUF export")
        if self._local is not None:
            return await self._local.complete(request, time_limit)
        assert self._transformers is not None
        # Queue here, not inside executor threads: waiting callers must not use up the thread pool.
        self._queue = self._queue or asyncio.Lock()
        async with self._queue:
            try:
                return await asyncio.to_thread(self._transformers.generate, request)
            except (ValueError, RuntimeError, OSError) as exc:
                raise ProviderError(f"tuned model failed: {exc}") from exc

    async def stream(self, request: ChatRequest, time_limit: float) -> AsyncIterator[str | Completion]:
        """The answer's text piece by piece, then the whole `Completion` (usage, finish reason).

        Both backends stream tokens as they are generated; requests with stop sequences to the
        transformers backend (which can only be cut once the text is there) answer whole, then go
        out a word at a time.
        """
        if self._local is not None:  # llama.cpp cuts at stop sequences as it streams
            async for part in self._local.stream(request, time_limit):
                yield part
            return
        if self._transformers is None or request.stop:
            answer = await self.complete(request, time_limit)
            for word in _WORDS.findall(answer.text):
                yield word
            yield answer
            return
        loop = asyncio.get_running_loop()
        pieces: asyncio.Queue[str | None] = asyncio.Queue()
        self._queue = self._queue or asyncio.Lock()

        def push(text: str) -> None:  # called in the generating thread
            loop.call_soon_threadsafe(pieces.put_nowait, text)

        async with self._queue:
            work = asyncio.ensure_future(asyncio.to_thread(self._transformers.generate, request, push))
            work.add_done_callback(lambda _: pieces.put_nowait(None))
            while (piece := await pieces.get()) is not None:
                yield piece
            try:
                answer = await work
            except (ValueError, RuntimeError, OSError) as exc:
                raise ProviderError(f"tuned model failed: {exc}") from exc
        yield answer

    async def aclose(self) -> None:
        """Keeps the model loaded for the next request of this client."""


def _check_run(run_dir: Path) -> None:
    from distillation.finetune.model import FinetuneError
    from distillation.finetune.outputs import RunPaths, read_run

    try:
        record = read_run(run_dir)
    except FinetuneError as exc:
        raise ConfigurationError(f"tuned model: {exc}") from exc
    adapter = RunPaths(run_dir).adapter / "adapter_config.json"
    if record.get("status") != "completed" or not adapter.is_file():
        raise ConfigurationError(f"the fine-tune run in {run_dir} has not completed; it has no adapter yet")


def make_tuned(model: str, credentials: Credentials, options: Mapping[str, Any]) -> TunedAdapter:
    """Factory for `tuned:<run folder>`; options: `run_dir`, `backend`, `device`, `n_ctx`, `n_threads`."""
    unknown = set(options) - _OPTIONS
    if unknown:
        raise ConfigurationError(f"unknown tuned options {sorted(unknown)}")
    return TunedAdapter(model, **options)
