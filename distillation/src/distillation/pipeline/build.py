"""Assembling an :class:`Engine` from a config: clients per model, prices, budget, cache, scenarios."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from distillation.cost import PriceTable
from distillation.datatypes import PromptRenderer, default_renderer, get_datatype
from distillation.pipeline.accounting import Accountant
from distillation.pipeline.batching import BatchDelivery
from distillation.pipeline.cache import ResponseCache
from distillation.pipeline.calls import AnswerHook, AttemptHook, PaidCalls, ReserveHook
from distillation.pipeline.config import GenerationConfig
from distillation.pipeline.engine import Engine
from distillation.providers import (
    Credentials,
    Limiter,
    LLMClient,
    RateLimit,
    RetryPolicy,
    get_model,
    runs_in_process,
)
from distillation.scenarios import DomainsConfig, ScenarioSampler, load_domains_config
from distillation.taskspec.datatype import spec_datatype, spec_renderer


def resolve_domains(config: DomainsConfig, wanted: tuple[str, ...]) -> list[str] | None:
    """Domain ids for ids or display names (case-insensitive); None for every domain."""
    if not wanted:
        return None
    by_name = {spec.name.lower(): domain_id for domain_id, spec in config.domains.items()}
    ids = []
    for item in wanted:
        key = item.strip()
        if key in config.domains:
            ids.append(key)
        elif key.lower() in by_name:
            ids.append(by_name[key.lower()])
        else:
            known = ", ".join(sorted(spec.name for spec in config.domains.values()))
            raise ValueError(f"unknown domain {item!r}; known domains: {known}")
    return ids


def build_engine(
    config: GenerationConfig,
    *,
    cache: ResponseCache,
    credentials: Mapping[str, Credentials | Mapping[str, Any] | None] | None = None,
    prices: PriceTable | None = None,
    domains: DomainsConfig | None = None,
    domains_file: Path | None = None,
    renderer: PromptRenderer | None = None,
    rate_limits: Mapping[str, RateLimit] | None = None,
    limiter: Limiter | None = None,
    model_options: Mapping[str, Mapping[str, Any]] | None = None,
    on_attempt: AttemptHook | None = None,
    on_answer: AnswerHook | None = None,
    before_attempt: ReserveHook | None = None,
    timeout: float = 120.0,
    retry: RetryPolicy | None = None,
    batch: BatchDelivery | None = None,
) -> Engine:
    """An engine for ``config``.

    Args:
        config: The run.
        cache: Where answers are kept by fingerprint (resume never pays twice).
        credentials: Per provider name ("openai", "anthropic", ...): key and base URL.
        prices: The price table (genai-prices plus overrides); local models cost nothing.
        domains: Scenario configuration; the built-in one plus ``domains_file`` when not given.
        domains_file: A user's ``domains.yaml`` merged over the built-in domains.
        renderer: Prompt renderer (user template overrides).
        rate_limits: Per model id.
        limiter: Shared rate-limit storage (Redis across processes).
        model_options: Adapter options per model id (e.g. ``n_ctx`` for local models).
        on_attempt: Called for every attempt with its stage, item key and cost (the service's ledger).
        on_answer: Books the attempt that brought an answer and stores the answer in one commit (the
            service's ledger and response cache); without it the answer goes to ``cache`` first.
        before_attempt: Called before every attempt, after the in-process budget check, with what the
            attempt may cost (the service reserves its worst case in its shared ledger and may lower its
            output cap to the room left; raising stops the call).
        timeout: Per-attempt timeout in seconds (in-process models: see ``attempt_timeout``).
        retry: Attempt caps and backoff of every client.
        batch: Sends the requests of stages that can wait through the providers' batch APIs (at the
            batch rate); None sends every request online.
    """
    prices = prices or PriceTable.load(None)
    calls = PaidCalls(
        cache,
        Accountant(prices, config.budget_usd),
        seed=config.seed,
        temperature=config.temperature,
        max_tokens=config.max_tokens,
        on_attempt=on_attempt,
        on_answer=on_answer,
        before_attempt=before_attempt,
        batch=batch,
    )
    reserve = calls.reserve_hook()
    domains = domains or (load_domains_config(domains_file) if domains_file else load_domains_config())
    sampler = scenario_sampler(config, domains)
    clients: dict[str, LLMClient] = {}
    for model_id in dict.fromkeys(
        (config.teacher, config.student, config.judge_model, config.cheap_judge_model)
    ):
        provider = model_id.split(":", 1)[0]
        clients[model_id] = get_model(
            model_id,
            credentials=(credentials or {}).get(provider),
            options=(model_options or {}).get(model_id),
            rate_limit=(rate_limits or {}).get(model_id) or default_rate_limit(model_id),
            limiter=limiter,
            timeout=attempt_timeout(model_id, timeout),
            retry=retry,
            before_attempt=reserve,
        )
    return Engine(
        config=config,
        datatype=spec_datatype(config.task) if config.task is not None else get_datatype(config.data_type),
        sampler=sampler,
        teacher=clients[config.teacher],
        student=clients[config.student],
        judge=clients[config.judge_model],
        calls=calls,
        renderer=task_renderer(config, renderer),
        cheap_judge=clients[config.cheap_judge_model],
    )


def task_renderer(config: GenerationConfig, renderer: PromptRenderer | None = None) -> PromptRenderer:
    """The run's renderer: a task spec's templates in the sandbox over ``renderer``'s, else ``renderer``."""
    if config.task is not None and any(True for _ in config.task.templates.items()):
        return spec_renderer(config.task, renderer)
    return renderer or default_renderer()


def scenario_sampler(config: GenerationConfig, domains: DomainsConfig) -> ScenarioSampler:
    """The scenario sampler of a run: its domains, subdomain, fixed language and seed.

    Its ``target_shares()`` are what a run's achieved distribution is compared with.
    """
    return ScenarioSampler(
        domains,
        seed=config.seed,
        domains=resolve_domains(domains, config.domains),
        subdomain=config.subdomain,
        fixed={"language": config.language} if config.language else None,
    )


LOCAL_TIMEOUT = 1800.0


def attempt_timeout(model_id: str, timeout: float) -> float:
    """The per-attempt timeout of a model: at least 30 minutes for in-process models.

    A local generation cannot be interrupted (llama.cpp runs it to ``max_tokens`` at most), so timing
    it out stops nothing: the retry queues behind the generation it abandoned, and on a busy CPU
    every retry times out the same way. Its length is bounded by ``max_tokens``; the long timeout is
    only a safety net.
    """
    return max(timeout, LOCAL_TIMEOUT) if runs_in_process(model_id) else timeout


def default_rate_limit(model_id: str) -> RateLimit | None:
    """In-process models answer one request at a time: queue the rest before their timeout starts.

    Without this cap, requests wait for the model's lock inside the per-attempt timeout, time out,
    and the abandoned generations keep the CPU busy.
    """
    if runs_in_process(model_id):
        return RateLimit(max_concurrency=1, adaptive=False)
    return None


async def close_engine(engine: Engine) -> None:
    """Close the engine's batch delivery and provider clients."""
    if engine.calls.batch is not None:
        await engine.calls.batch.aclose()
    clients = (engine.teacher, engine.student, engine.judge, engine.first_judge)
    for client in {id(c): c for c in clients}.values():
        await client.aclose()
