"""The global budget in total or per calendar month: a new month starts the count again, atomically."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import update

from app.core.config import Settings
from app.core.db import create_engine, create_sessionmaker
from app.jobs import ledger_repository
from app.models import GlobalBudget
from tests.conftest import api_client, login, migrate
from tests.jobs.jobkit import generation


async def test_a_monthly_global_budget_counts_each_month_anew(any_settings: Settings) -> None:
    await migrate(any_settings)
    async with api_client(any_settings) as client:
        await login(client)
        job = await client.post("/api/v1/jobs/generate", json=generation(5))  # no worker: it just holds a row
        assert job.status_code == 201, job.text
        job_id = uuid.UUID(job.json()["id"])
        await client.post(f"/api/v1/jobs/{job_id}/pause")
        monthly = await client.put("/api/v1/budget", json={"limit_usd": "1", "period": "month"})

        engine = create_engine(any_settings, pooled=False)
        maker = create_sessionmaker(engine)
        this_month = ledger_repository.month_start(datetime.now(UTC))
        try:
            # The month's money is spent: the next call is refused.
            async with maker() as session, session.begin():
                await session.execute(update(GlobalBudget).values(spent_usd=Decimal("0.9")))
                refused = await ledger_repository.reserve_budget(session, job_id, Decimal("0.2"))
            # The spending was last month's: a new month begins and the call is held against it.
            async with maker() as session, session.begin():
                await session.execute(
                    update(GlobalBudget).values(period_start=this_month - timedelta(days=3))
                )
                held = await ledger_repository.reserve_budget(session, job_id, Decimal("0.2"))
        finally:
            await engine.dispose()
        after = (await client.get("/api/v1/budget")).json()
        total = await client.put("/api/v1/budget", json={"limit_usd": "1", "period": "total"})
        bad = await client.put("/api/v1/budget", json={"limit_usd": "1", "period": "week"})

    assert monthly.status_code == 200, monthly.text
    assert monthly.json()["period"] == "month"
    assert datetime.fromisoformat(monthly.json()["period_start"]) == this_month
    assert refused is not None
    assert "global budget" in refused
    assert held is None
    assert after["period"] == "month"
    assert Decimal(after["spent_usd"]) == 0  # last month's 0.9 no longer counts
    assert Decimal(after["reserved_usd"]) == Decimal("0.2")
    assert datetime.fromisoformat(after["period_start"]) == this_month
    # Back to a limit over all spending: spent is the ledger's whole settled cost (no call settled here).
    assert total.json()["period"] == "total"
    assert total.json()["period_start"] is None
    assert Decimal(total.json()["spent_usd"]) == 0
    assert bad.status_code == 422
