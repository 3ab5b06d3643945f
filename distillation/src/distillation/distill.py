"""``distill()``: a few input/output examples and an instruction in, a training set out.

Seed amplification, in order: the teacher writes its chain of thought for each seed
(``traces_cot.jsonl``), summarises the seeds and traces into a task policy, then new pairs are written
from the policy and rotating traced exemplars until there are ``len(seed) × augment_factor`` of them;
outputs are validated (against ``response_model`` when given) and near-duplicates dropped. The seeds
and the new pairs land in ``traces_amplified.jsonl`` as chat rows with ``instruction`` as system prompt.

``distill()`` returns the data (``DistillResult.model_path`` is None): fine-tune the student on
``dataset_path`` with ``distillery finetune`` (``distillation.finetune``), or with any trainer after
``distillery export`` to its format.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel

from distillation.amplify.files import RunFiles, count_rows, dataset_rows, rejected_rows, write_jsonl
from distillation.amplify.run import Amplifier, AmplifyStats
from distillation.amplify.seeds import SeedError, SeedSource, load_seeds
from distillation.cost import PriceTable, savings_report
from distillation.datatypes import default_renderer
from distillation.pipeline import LOCAL_MODEL, Accountant, JsonlCache, PaidCalls
from distillation.pipeline.build import default_rate_limit
from distillation.providers import Credentials, RateLimit, get_model

__all__ = ["DistillResult", "SeedError", "adistill", "distill"]

DistillStatus = Literal["completed", "incomplete", "budget_exhausted", "reused"]


@dataclass(frozen=True)
class DistillResult:
    """What a ``distill()`` call produced.

    Attributes:
        name: The run's name (its directory under ``output_dir``).
        status: ``completed``; ``incomplete`` (fewer pairs than asked survived validation);
            ``budget_exhausted`` (stopped before the budget ran out; rerun to resume); ``reused``
            (``traces_amplified.jsonl`` existed, no API call was made).
        dataset_path: ``traces_amplified.jsonl`` (``traces_amplified.partial.jsonl`` after a budget stop).
        traces_path: ``traces_cot.jsonl``.
        rows: Rows in the dataset file (seeds included).
        seeds: Seed rows among them.
        amplified: Amplified rows among them.
        stats: Counts of the amplification (None when the dataset was reused).
        cost_usd: What this call's new requests cost (answers from the cache are free).
        teacher_only_cost_usd: The same tokens priced at the teacher's rates.
        savings_usd: ``teacher_only_cost_usd - cost_usd`` (None when a price is unknown).
        savings_percent: Savings as a percentage of the teacher-only cost.
        unknown_prices: Models without a price.
        model_path: The fine-tuned student; None (``distill()`` writes data; ``distillery finetune`` trains).
        message: Why the run stopped early, or what to do next.
    """

    name: str
    status: DistillStatus
    dataset_path: Path
    traces_path: Path
    rows: int
    seeds: int
    amplified: int
    stats: AmplifyStats | None
    cost_usd: Decimal
    teacher_only_cost_usd: Decimal | None
    savings_usd: Decimal | None
    savings_percent: Decimal | None
    unknown_prices: tuple[str, ...] = ()
    model_path: Path | None = None
    message: str = ""

    @property
    def skipped_api_calls(self) -> bool:
        """True when an existing ``traces_amplified.jsonl`` was reused without any request."""
        return self.status == "reused"


async def adistill(
    name: str,
    seed: SeedSource,
    instruction: str,
    *,
    teacher: str = LOCAL_MODEL,
    student: str = LOCAL_MODEL,
    augment_factor: int = 50,
    response_model: type[BaseModel] | None = None,
    output_dir: str | Path = "out",
    credentials: Mapping[str, Credentials | Mapping[str, Any] | None] | None = None,
    budget_usd: Decimal | float | None = None,
    concurrency: int = 64,
    rpm: int | None = None,
    tpm: int | None = None,
    writer: str | None = None,
    prices: PriceTable | None = None,
    exemplars: int = 3,
    temperature: float = 0.8,
    max_tokens: int = 1024,
    random_seed: int = 0,
    request_timeout: float = 120.0,
) -> DistillResult:
    """The async form of :func:`distill` (same arguments), for code that already runs an event loop.

    Example:
        >>> result = await adistill("support", "seeds.jsonl", "Answer as a support agent.")  # doctest: +SKIP
    """
    if augment_factor < 1:
        raise ValueError("augment_factor must be at least 1")
    if not instruction.strip():
        raise ValueError("instruction must not be empty")
    files = RunFiles(Path(output_dir) / name)
    if files.dataset.exists():
        return _reused(name, files)
    pairs = load_seeds(seed, response_model)
    table = prices or PriceTable.load(None)
    accountant = Accountant(table, None if budget_usd is None else Decimal(str(budget_usd)))
    cache = JsonlCache(files.cache)
    calls = PaidCalls(cache, accountant, seed=random_seed, temperature=temperature, max_tokens=max_tokens)
    limit = RateLimit(requests_per_minute=rpm, tokens_per_minute=tpm, max_concurrency=concurrency)
    models = dict.fromkeys((teacher, writer or teacher))
    clients = {
        model: get_model(
            model,
            credentials=(credentials or {}).get(model.partition(":")[0]),
            rate_limit=default_rate_limit(model) or limit,
            timeout=request_timeout,
            before_attempt=calls.reserve_hook(),
        )
        for model in models
    }
    try:
        amplifier = Amplifier(
            calls,
            clients[teacher],
            clients[writer or teacher],
            instruction.strip(),
            default_renderer(),
            response_model=response_model,
            concurrency=concurrency,
            exemplars=exemplars,
            max_tokens=max_tokens,
        )
        result = await amplifier.run(pairs, augment_factor)
    finally:
        cache.close()
        for client in clients.values():
            await client.aclose()
    write_jsonl(files.traces, (traced.to_json() for traced in result.traces))
    write_jsonl(files.rejected, rejected_rows(result))
    target = files.partial if result.status == "budget_exhausted" else files.dataset
    rows = write_jsonl(target, dataset_rows(result, instruction.strip()))
    if target == files.dataset:
        files.partial.unlink(missing_ok=True)
    savings = savings_report(accountant.stage_usage(), table, teacher_model_id=teacher)
    return DistillResult(
        name=name,
        status=result.status,
        dataset_path=target,
        traces_path=files.traces,
        rows=rows,
        seeds=len(result.traces),
        amplified=len(result.pairs),
        stats=result.stats,
        cost_usd=accountant.spent,
        teacher_only_cost_usd=savings.teacher_cost,
        savings_usd=savings.savings,
        savings_percent=savings.savings_percent,
        unknown_prices=tuple(sorted(accountant.unknown_models)),
        message=_message(result.status, result.message, files, student),
    )


def distill(
    name: str,
    seed: SeedSource,
    instruction: str,
    *,
    teacher: str = LOCAL_MODEL,
    student: str = LOCAL_MODEL,
    augment_factor: int = 50,
    response_model: type[BaseModel] | None = None,
    output_dir: str | Path = "out",
    credentials: Mapping[str, Credentials | Mapping[str, Any] | None] | None = None,
    budget_usd: Decimal | float | None = None,
    concurrency: int = 64,
    rpm: int | None = None,
    tpm: int | None = None,
    writer: str | None = None,
    prices: PriceTable | None = None,
    exemplars: int = 3,
    temperature: float = 0.8,
    max_tokens: int = 1024,
    random_seed: int = 0,
    request_timeout: float = 120.0,
) -> DistillResult:
    """Amplify a few examples into a training set (runs its own loop; use :func:`adistill` in async code).

    Args:
        name: The run's name; files go to ``<output_dir>/<name>/``.
        seed: ``[{"input": ..., "output": ...}, ...]`` or the path of a JSON, JSONL or CSV file of them.
        instruction: The task's system prompt; also the system message of every training row.
        teacher: "provider:model" writing the chain-of-thought traces and the task policy.
        student: The model to fine-tune on the result (named in the closing message).
        augment_factor: New pairs per seed: ``len(seed) × augment_factor`` are written.
        response_model: A pydantic model every output must satisfy (seeds included); outputs are stored
            as its JSON.
        output_dir: Parent directory of the run's directory.
        credentials: Per provider name ("openai", "anthropic", ...): key and base URL. The library
            reads no environment variables.
        budget_usd: Spending limit of this call; it stops cleanly before exceeding it, and a rerun
            resumes (answers already paid for come from the cache).
        concurrency: Most requests in flight at once, per model; with a requests or tokens limit
            known (``rpm``/``tpm``, or learned from the provider's headers) only as many as that limit
            needs at the observed latency (Little's law).
        rpm: Requests per minute each provider model may take (learned from the provider's
            rate-limit headers when None).
        tpm: Tokens (input + output) per minute each provider model may take (likewise).
        writer: "provider:model" writing the new pairs; the teacher when None. A cheaper writer
            lowers the cost; ``savings_usd`` compares it with the teacher doing everything.
        prices: Price table (bundled prices when None).
        exemplars: Traced seeds shown per new pair (rotated so every seed is used).
        temperature: Sampling temperature.
        max_tokens: Output cap per new pair.
        random_seed: Sampling seed (each pair gets its own seed derived from it).
        request_timeout: Per-attempt timeout in seconds.

    Returns:
        The paths written, the counts, the cost and the savings. If ``traces_amplified.jsonl`` already
        exists, no request is made and it is returned as it is (delete it to regenerate).

    Raises:
        SeedError: The seeds are missing or malformed (the message names the example or line).
        ProviderError: A failure that would repeat for every request (bad key, unknown model...).

    Example:
        >>> from distillation import distill
        >>> result = distill(  # doctest: +SKIP
        ...     "support",
        ...     [{"input": "My parcel is late.", "output": "Sorry! Here is how to track it: ..."}],
        ...     "You are a friendly support agent.",
        ...     teacher="openai:gpt-4o",
        ...     augment_factor=20,
        ...     credentials={"openai": {"api_key": "sk-..."}},
        ... )
        >>> result.dataset_path, result.rows, result.savings_percent  # doctest: +SKIP
        (PosixPath('out/support/traces_amplified.jsonl'), 21, None)
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass
    else:
        raise RuntimeError("distill() cannot run inside a running event loop: use `await adistill(...)`")
    return asyncio.run(
        adistill(
            name,
            seed,
            instruction,
            teacher=teacher,
            student=student,
            augment_factor=augment_factor,
            response_model=response_model,
            output_dir=output_dir,
            credentials=credentials,
            budget_usd=budget_usd,
            concurrency=concurrency,
            rpm=rpm,
            tpm=tpm,
            writer=writer,
            prices=prices,
            exemplars=exemplars,
            temperature=temperature,
            max_tokens=max_tokens,
            random_seed=random_seed,
            request_timeout=request_timeout,
        )
    )


def _reused(name: str, files: RunFiles) -> DistillResult:
    seeds, amplified = count_rows(files.dataset)
    return DistillResult(
        name=name,
        status="reused",
        dataset_path=files.dataset,
        traces_path=files.traces,
        rows=seeds + amplified,
        seeds=seeds,
        amplified=amplified,
        stats=None,
        cost_usd=Decimal(0),
        teacher_only_cost_usd=None,
        savings_usd=None,
        savings_percent=None,
        message=f"{files.dataset} exists: no API call was made (delete it to generate again)",
    )


def _message(status: str, why: str, files: RunFiles, student: str) -> str:
    if status == "budget_exhausted":
        return f"{why}; rerun with a higher budget to resume (answers already paid for are in {files.cache})"
    training = f"fine-tune {student} on it: distillery finetune {files.dataset}"
    return f"{why}; {training}" if why else training
