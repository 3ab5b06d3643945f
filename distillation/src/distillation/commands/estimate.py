"""``distillery estimate``: the cost of a run, offline by default, or from a paid pilot (``--pilot``).

Offline, every stage's tokens come from the data type's token model
(:mod:`distillation.pipeline.estimates`) and are priced from the price table: no key is needed and no
request is sent. With ``--pilot``, a few items per stage go through the real engine first.

The pilot uses the run's own answer cache (``<stem>.cache.jsonl``) and the run's own item keys, so the
seed rows it pays for are reused by ``generate``; the policy and bulk prompts list all the seed rows,
so they are reused only when the run has no more seeds than the pilot. Token counts come from every
call of every pilot item, rejected ones and cached answers included, so ``rows × tokens per row`` also
pays for the rejects.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from rich.console import Console

from distillation.commands.generate import FAILURES
from distillation.commands.options import Environment, RunOptions, RunPaths, rate_limits
from distillation.commands.providers import register_compatible_providers
from distillation.commands.render import estimate_lines, fail, money, plain, print_estimate
from distillation.cost import (
    PriceTable,
    RunEstimate,
    SavingsBreakdown,
    StagePilot,
    StagePlan,
    estimate_breakdown,
    estimate_run,
)
from distillation.pipeline import (
    CallRecord,
    Engine,
    GenerationConfig,
    ItemResult,
    JsonlCache,
    Provenance,
    Row,
    Stage,
    build_engine,
    close_engine,
    extract_policy,
    item_key,
    validate_row,
    write_bulk,
    write_seed,
)
from distillation.pipeline.cache import Answer
from distillation.pipeline.estimates import HUMAN_COST_PER_ROW_USD, escalation_rate
from distillation.pipeline.estimates import offline_estimate as estimate_offline
from distillation.pipeline.types import RowStage

CHEAP, ESCALATED = "judge: cheap", "judge: escalated"
PILOT_ROWS = 2
PILOT_EXTRA = 4  # replacement items per stage when pilot rows are rejected


class PilotFailed(Exception):
    """The pilot accepted no row of a stage, so nothing can be projected."""


def _cheap_judge(config: GenerationConfig) -> str | None:
    """The cheap judge's model, when its calls can be told from the strong judge's."""
    return None if config.cheap_judge_model == config.judge_model else config.cheap_judge_model


@dataclass
class _Tally:
    """Calls and tokens per stage (cheap judge calls apart), from every call record the pilot saw."""

    cheap_judge: str | None = None

    calls: Counter[str] = field(default_factory=Counter)
    input_tokens: Counter[str] = field(default_factory=Counter)
    output_tokens: Counter[str] = field(default_factory=Counter)
    attempted: Counter[str] = field(default_factory=Counter)
    accepted: Counter[str] = field(default_factory=Counter)
    reasons: Counter[str] = field(default_factory=Counter)

    routes: Counter[str] = field(default_factory=Counter)

    def add(self, calls: Sequence[CallRecord], cheap_judge: str | None = None) -> None:
        """Count ``calls``; judge calls by ``cheap_judge`` go to the ``judge: cheap`` line."""
        for call in calls:
            stage = call.stage
            if stage == Stage.judge and call.model == cheap_judge:
                stage = CHEAP
            self.calls[stage] += 1
            self.input_tokens[stage] += call.input_tokens
            self.output_tokens[stage] += call.output_tokens

    def per_row(self, stage: str) -> StagePilot:
        try:
            return StagePilot.from_counts(
                attempted=self.attempted[stage],
                accepted=self.accepted[stage],
                input_tokens=self.input_tokens[stage],
                output_tokens=self.output_tokens[stage],
            )
        except ValueError:
            reasons = "; ".join(self.reasons) or "no reason recorded"
            raise PilotFailed(f"the pilot accepted no {stage} row ({reasons})") from None

    def per_call(self, stage: str) -> StagePilot:
        calls = max(1, self.calls[stage])
        return StagePilot(
            Decimal(self.input_tokens[stage]) / calls, Decimal(self.output_tokens[stage]) / calls
        )


@dataclass(frozen=True)
class EstimateOutcome:
    """The projection, its saving by lever, and what the pilot itself cost (nothing offline)."""

    estimate: RunEstimate
    breakdown: SavingsBreakdown
    pilot_cost: Decimal = Decimal(0)
    pilot_requests: int = 0
    pilot_rows: int = 0


def estimate_command(
    options: RunOptions,
    env: Environment,
    *,
    pilot: bool = False,
    human_rate: Decimal = HUMAN_COST_PER_ROW_USD,
) -> int:
    """Run ``distillery estimate``: offline, or the pilot then the projection. Returns the exit code."""
    console, errors = Console(), Console(stderr=True)
    paths = RunPaths.beside(options.output, options.format)
    try:
        config, notes = options.config()
        for note in notes:
            plain(errors, f"note: {note}")
        if pilot:
            register_compatible_providers()
            outcome = asyncio.run(estimate_file(config, paths, env, rpm=options.rpm, tpm=options.tpm))
        else:
            outcome = offline_estimate(config, env.prices())
    except (*FAILURES, PilotFailed) as exc:
        return fail(errors, exc)
    if pilot:
        plain(
            console,
            f"pilot: {outcome.pilot_rows} rows, {outcome.pilot_requests} new requests, "
            f"{money(outcome.pilot_cost)} (answers kept in {paths.cache.name})",
        )
    else:
        plain(console, f"offline estimate ({config.data_type} token model): no request sent")
    print_estimate(console, outcome.estimate)
    for line in estimate_lines(outcome.breakdown, config.count, human_rate, config.budget_usd):
        plain(console, line)
    return 0


def offline_estimate(config: GenerationConfig, prices: PriceTable) -> EstimateOutcome:
    """The projection from the data type's token model, priced from ``prices``; sends nothing."""
    estimate, breakdown = estimate_offline(config, prices)
    return EstimateOutcome(estimate, breakdown)


def _outcome(
    estimate: RunEstimate, prices: PriceTable, config: GenerationConfig, items: float, **pilot: Any
) -> EstimateOutcome:
    breakdown = estimate_breakdown(
        estimate,
        prices,
        judge_model_id=config.judge_model,
        baseline_judge_calls=config.baseline_judge_calls(items),
    )
    unknown = tuple(sorted(set(estimate.unknown_models) | set(breakdown.unknown_models)))
    estimate = replace(estimate, teacher_only=breakdown.teacher_only, unknown_models=unknown)
    return EstimateOutcome(estimate, breakdown, **pilot)


def pilot_config(config: GenerationConfig) -> GenerationConfig:
    """The same run, shrunk to a couple of items per stage and without a budget.

    The cheap judge scores every pilot student row (when the policy has it score any), so its tokens
    and escalations are measured.
    """
    seeds = min(PILOT_ROWS, config.seed_count)
    bulk = min(PILOT_ROWS, config.bulk_count)
    values = config.model_dump()
    policy = values["judge_policy"]
    values.update(
        count=seeds + bulk,
        teacher_ratio=seeds / (seeds + bulk),
        budget_usd=None,
        max_extra_items=PILOT_EXTRA,
        judge_policy={**policy, "share": 1.0 if policy["share"] > 0 else 0.0},
    )
    return GenerationConfig.model_validate(values)


async def estimate_file(
    config: GenerationConfig,
    paths: RunPaths,
    env: Environment,
    *,
    rpm: int | None = None,
    tpm: int | None = None,
) -> EstimateOutcome:
    """Run the pilot against the run's cache and project the cost of ``config``.

    ``rpm`` and ``tpm`` limit each provider model (see ``rate_limits``).

    Raises:
        PilotFailed: A stage accepted no pilot row.
        ProviderError: A client could not be built or a fatal provider error occurred.
    """
    pilot = pilot_config(config)
    cache = JsonlCache(paths.cache)
    requests: Counter[str] = Counter()

    async def count(stage: str, key: str, attempt: object, cost: object) -> None:
        requests[stage] += 1

    try:
        engine = build_engine(
            pilot,
            cache=cache,
            credentials=env.credentials_for(
                config.teacher, config.student, config.judge_model, config.cheap_judge_model
            ),
            prices=env.prices(),
            domains_file=env.config_file("domains.yaml"),
            rate_limits=rate_limits(pilot, rpm, tpm),
            on_attempt=count,
        )
        try:
            tally = await _run_pilot(engine)
        finally:
            await close_engine(engine)
    finally:
        cache.close()
    prices = engine.accountant.prices
    estimate = estimate_run(_plan(config, tally), _pilots(tally), prices, teacher_model_id=config.teacher)
    rows = tally.accepted[Stage.seed] + tally.accepted[Stage.bulk]
    return _outcome(
        estimate,
        prices,
        config,
        _items(config, tally),
        pilot_cost=engine.accountant.spent,
        pilot_requests=sum(requests.values()),
        pilot_rows=rows,
    )


async def _run_pilot(engine: Engine) -> _Tally:
    config = engine.config
    tally = _Tally(cheap_judge=_cheap_judge(config))

    async def seed(index: int, key: str) -> tuple[ItemResult, Provenance]:
        answer, provenance = await write_seed(engine, index, key)
        return await _validated(engine, key, index, Stage.seed, answer, provenance)

    seeds = await _produce(tally, Stage.seed, config.seed_count, seed)
    if not seeds:
        tally.per_row(Stage.seed)  # raises PilotFailed with the reasons
    if config.bulk_count:
        policy, call = await extract_policy(engine, seeds)
        tally.add([call], tally.cheap_judge)
        tally.accepted[Stage.policy] = tally.attempted[Stage.policy] = 1

        async def bulk(index: int, key: str) -> tuple[ItemResult, Provenance]:
            answer, provenance = await write_bulk(engine, index, key, policy, seeds)
            return await _validated(engine, key, index, Stage.bulk, answer, provenance)

        await _produce(tally, Stage.bulk, config.bulk_count, bulk)
    return tally


async def _validated(
    engine: Engine, key: str, index: int, stage: RowStage, answer: Answer, provenance: Provenance
) -> tuple[ItemResult, Provenance]:
    result = await validate_row(engine, key, index, stage, answer, provenance)
    return result, provenance  # the provenance holds every call, also when the row was rejected


async def _produce(
    tally: _Tally,
    stage: RowStage,
    target: int,
    make: Callable[[int, str], Awaitable[tuple[ItemResult, Provenance]]],
) -> list[Row]:
    """Items in small batches until ``target`` rows are accepted or the replacements run out."""
    rows: list[Row] = []
    index = 0
    while len(rows) < target and index < target + PILOT_EXTRA:
        batch = range(index, min(index + target - len(rows), target + PILOT_EXTRA))
        index = batch.stop
        for result, provenance in await asyncio.gather(*(make(i, item_key(stage, i)) for i in batch)):
            tally.attempted[stage] += 1
            tally.add(provenance.calls, tally.cheap_judge)
            tally.routes[provenance.judge_route or "unchecked"] += 1
            if result.row is not None:
                rows.append(result.row)
                tally.accepted[stage] += 1
            elif result.rejection is not None:
                tally.reasons[result.rejection.reason[:120]] += 1
    return rows[:target]


def _items(config: GenerationConfig, tally: _Tally) -> float:
    """Items (seed and bulk) the full run will try."""
    return float(sum(_items_split(config, tally)))


def _items_split(config: GenerationConfig, tally: _Tally) -> tuple[Decimal, Decimal]:
    """Seed and bulk items the full run will try, from the pilot's acceptance rates."""
    seeds = Decimal(config.seed_count) / _rate(tally, Stage.seed)
    bulk = Decimal(config.bulk_count) / _rate(tally, Stage.bulk) if config.bulk_count else Decimal(0)
    return seeds, bulk


def _plan(config: GenerationConfig, tally: _Tally) -> list[StagePlan]:
    """Stages of the full run: the judge lines as the policy plans them; fixes scale with the items."""
    seeds, bulk = _items_split(config, tally)
    pilot_items = max(1, tally.attempted[Stage.seed] + tally.attempted[Stage.bulk])
    plan = [StagePlan(Stage.seed, config.teacher, config.seed_count)]
    if config.bulk_count:
        plan += [
            StagePlan(Stage.policy, config.teacher, 1),
            StagePlan(Stage.bulk, config.student, config.bulk_count),
        ]
    cheap_judged = tally.routes["cheap"] + tally.routes["escalated"]
    escalation = (
        tally.routes["escalated"] / cheap_judged
        if cheap_judged
        else escalation_rate(config.judge_policy.escalate_margin)
    )
    for label, model, calls in config.judge_calls(float(seeds), float(bulk), escalation):
        plan.append(StagePlan(label, model, calls))
    if tally.calls[Stage.fix]:
        calls = round((seeds + bulk) * tally.calls[Stage.fix] / pilot_items)
        plan.append(StagePlan(Stage.fix, config.teacher, max(1, calls)))
    return plan


def _rate(tally: _Tally, stage: str) -> Decimal:
    return Decimal(max(1, tally.accepted[stage])) / max(1, tally.attempted[stage])


def _pilots(tally: _Tally) -> dict[str, StagePilot]:
    pilots: dict[str, StagePilot] = {Stage.seed: tally.per_row(Stage.seed)}
    if tally.attempted[Stage.bulk]:
        pilots[Stage.bulk] = tally.per_row(Stage.bulk)
        pilots[Stage.policy] = tally.per_call(Stage.policy)
    # A judge line the pilot saw no call of is measured by the other judge's calls (the same prompt).
    measured = [stage for stage in (Stage.judge, CHEAP) if tally.calls[stage]]
    for stage in (Stage.judge, CHEAP):
        if measured:
            pilots[stage] = tally.per_call(stage if stage in measured else measured[0])
    if Stage.judge in pilots:
        pilots[ESCALATED] = pilots[Stage.judge]
    if tally.calls[Stage.fix]:
        pilots[Stage.fix] = tally.per_call(Stage.fix)
    return pilots
