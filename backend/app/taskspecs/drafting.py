"""The teacher drafts a task spec's policy: one paid call, booked in the ledger, for the user to edit.

The call goes the way every call of no job goes (the playground's): a ledger row (stage ``policy``, no
job) reserves its worst case against the global budget before it is sent and is settled from the
provider's usage at the ledger's prices afterwards. Nothing is saved to the spec: the draft is shown
in the policy editor, and saving it makes a new version as any edit does.
"""

from __future__ import annotations

import json
import uuid
from decimal import ROUND_CEILING, Decimal

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.config import Settings
from app.core.errors import AppError, BadRequest
from app.jobs import ledger_repository
from app.jobs.ledger import CENT_MILLIONTH
from app.models import CallStatus, User
from app.playground import repository as spend
from app.promptsets import service as promptsets
from app.providers import catalog
from app.providers.service import resolve_credentials
from app.taskspecs.schemas import PolicyDraft, PolicyDraftRequest
from distillation.cost import TokenUsage
from distillation.pipeline.types import Stage
from distillation.providers import (
    ConfigurationError,
    MissingCredentialsError,
    OutputError,
    ProviderError,
    RetryPolicy,
    get_model,
)
from distillation.taskspec import TaskSpec
from distillation.taskspec.loading import MAX_SPEC_BYTES
from distillation.taskspec.policy import MAX_EXAMPLES, policy_draft_request, read_policy_draft

STAGE = Stage.policy.value


class BudgetPassed(AppError):
    """The draft could pass the global budget: nothing was sent."""

    status_code = 402
    error = "budget_exceeded"


# Prompts of a prompt set shown as examples, at most.
PROMPT_SET_EXAMPLES = 5


async def draft_policy(
    session: AsyncSession,
    maker: async_sessionmaker[AsyncSession],
    settings: Settings,
    user: User,
    body: PolicyDraftRequest,
) -> PolicyDraft:
    """The teacher's draft of ``body.spec``'s policy from the spec and the examples.

    Raises:
        BadRequest: The spec is not valid, the model cannot be used (no key, unknown provider), or
            the teacher failed to answer.
        BudgetPassed: The call could pass the global budget.
        NotFound: The prompt set does not exist (or is not the user's to read).
    """
    if len(json.dumps(body.spec, default=str)) > MAX_SPEC_BYTES:
        raise BadRequest(f"the spec is larger than {MAX_SPEC_BYTES:,} bytes")
    try:
        spec = TaskSpec.model_validate(body.spec)
    except ValidationError as exc:
        raise BadRequest(f"the spec is not valid: {exc.errors(include_url=False)[0]['msg']}") from exc
    examples = list(body.examples)
    if body.prompt_set_id is not None:
        prompts = await promptsets.sample(session, user, body.prompt_set_id, PROMPT_SET_EXAMPLES)
        examples += [json.dumps(p.messages, ensure_ascii=False) for p in prompts]
    request = policy_draft_request(spec, examples)
    credentials = await resolve_credentials(session, settings)
    provider = body.model.partition(":")[0]
    try:
        client = get_model(
            body.model,
            credentials=credentials.get(provider),
            retry=RetryPolicy(max_attempts=3, max_reasks=0),
            timeout=settings.job_call_timeout_seconds,
        )
    except MissingCredentialsError as exc:
        raise BadRequest(f"no API key for {provider}: add one in Settings → Providers") from exc
    except ConfigurationError as exc:
        raise BadRequest(f"{body.model}: {exc}") from exc
    prices = catalog.price_table(settings)
    fingerprint = client.fingerprint(request)
    start = client.attempt_start(request, fingerprint, 1, model_id=body.model)
    worst = prices.cost_of(body.model, TokenUsage(start.input_tokens, request.max_tokens or 0))
    # Up to three attempts may be billed.
    amount = ((worst or Decimal(0)) * 3).quantize(CENT_MILLIONTH, rounding=ROUND_CEILING)
    async with maker() as booking, booking.begin():
        call_id = await spend.reserve_call(
            booking, model_id=body.model, fingerprint=fingerprint, attempt=1, amount=amount, stage=STAGE
        )
    if call_id is None:
        raise BudgetPassed(f"the global budget would be passed: this draft could cost up to ${amount:.6f}")
    try:
        result = await client.chat(request)
    except (OutputError, ProviderError) as exc:
        usage = TokenUsage(0, 0)
        known = [a.usage for a in exc.attempts if a.usage is not None]
        if known:
            usage = TokenUsage(sum(u.input_tokens for u in known), sum(u.output_tokens for u in known))
        await _settle(maker, call_id, amount, body.model, prices.cost_of(body.model, usage), usage, str(exc))
        raise BadRequest(f"the teacher could not draft the policy: {exc}") from exc
    finally:
        await client.aclose()
    usage = TokenUsage(
        result.usage.input_tokens, result.usage.output_tokens, result.usage.cached_input_tokens
    )
    cost = prices.cost_of(body.model, usage)
    await _settle(maker, call_id, amount, body.model, cost, usage, None)
    try:
        policy = read_policy_draft(result.text)
    except ValueError as exc:
        raise BadRequest(str(exc)) from exc
    shown = min(MAX_EXAMPLES, len([e for e in examples if e.strip()]))
    return PolicyDraft(
        policy=policy,
        model=body.model,
        examples=shown,
        input_tokens=usage.input_tokens,
        output_tokens=usage.output_tokens,
        cost_usd=cost,
    )


async def _settle(
    maker: async_sessionmaker[AsyncSession],
    call_id: uuid.UUID,
    reserved: Decimal,
    model: str,
    cost: Decimal | None,
    usage: TokenUsage,
    error: str | None,
    latency_ms: int = 0,
) -> None:
    """Close the draft's ledger row from the usage the provider reported."""
    async with maker() as session, session.begin():
        await ledger_repository.settle_call(
            session, call_id, job_id=None, stage=STAGE, status=CallStatus.settled,
            outcome="ok" if error is None else "error", reserved=reserved, cost=cost,
            input_tokens=usage.input_tokens, output_tokens=usage.output_tokens,
            cached_tokens=usage.cached_input_tokens, latency_ms=latency_ms, error=error,
        )  # fmt: skip
