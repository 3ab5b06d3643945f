"use client";

import { useState } from "react";

import { Button } from "@/components/ui/Button";
import { Card } from "@/components/ui/Card";
import { Field, FormError } from "@/components/ui/Field";
import { NumberInput } from "@/components/ui/NumberInput";
import { Select } from "@/components/ui/Select";
import { Meter } from "@/components/ui/Meter";
import { Skeleton } from "@/components/ui/Skeleton";
import { ErrorState } from "@/components/ui/StateViews";
import { useBudget, useSetBudget, type Budget } from "@/hooks/queries/jobs";
import { errorMessage } from "@/lib/api/client";
import { LIMITS, accepts, rangeText } from "@/lib/limits";
import { formatUsd } from "@/lib/money";

const LIMIT = LIMITS.BudgetUpdate.limit_usd;

function BudgetForm({ budget }: { budget: Budget }) {
  const setBudget = useSetBudget();
  // "25.00000000" from the API reads as "25" in the field.
  const [limit, setLimit] = useState(budget.limit_usd === null ? "" : String(Number(budget.limit_usd)));
  const [period, setPeriod] = useState<Budget["period"]>(budget.period);
  const invalid = limit.trim() !== "" && !accepts(limit, LIMIT);
  return (
    <form
      className="flex flex-wrap items-end gap-2"
      onSubmit={(event) => {
        event.preventDefault();
        if (!invalid) setBudget.mutate({ limit_usd: limit.trim() || null, period });
      }}
    >
      <Field label="Limit (US$)" htmlFor="budget-limit" hint="Empty: no limit." error={invalid ? `An amount ${rangeText(LIMIT)}.` : null}>
        <NumberInput limit={LIMIT} step={0.01} className="w-40" value={limit} onChange={(e) => setLimit(e.target.value)} />
      </Field>
      <Field label="Period" htmlFor="budget-period" hint="A monthly limit starts again on the 1st (UTC).">
        <Select className="w-44" value={period} onChange={(e) => setPeriod(e.target.value === "month" ? "month" : "total")}>
          <option value="total">In total</option>
          <option value="month">Per calendar month</option>
        </Select>
      </Field>
      <Button type="submit" variant="primary" disabled={invalid || setBudget.isPending}>
        {setBudget.isPending ? "Saving…" : "Save limit"}
      </Button>
      {setBudget.isSuccess && <span role="status" className="pb-2 text-xs text-ok">Saved</span>}
      {setBudget.isError && <FormError>{errorMessage(setBudget.error)}</FormError>}
    </form>
  );
}

/** The global limit over every job (in total or per month), its spend and reservations; admins change it. */
export function BudgetCard({ isAdmin }: { isAdmin: boolean }) {
  const budget = useBudget();
  return (
    <Card title="Global budget" labelledBy="budget-title">
      {budget.isPending ? (
        <Skeleton className="h-24 w-full" />
      ) : budget.isError ? (
        <ErrorState title="Could not load the budget" error={budget.error} onRetry={() => void budget.refetch()} />
      ) : (
        <div className="space-y-4">
          {budget.data.limit_usd !== null && Number(budget.data.limit_usd) > 0 ? (
            <Meter
              label={budget.data.period === "month" ? "Spent this month of the monthly limit" : "Spent of the limit"}
              percent={(Number(budget.data.spent_usd) / Number(budget.data.limit_usd)) * 100}
              valueText={`${formatUsd(budget.data.spent_usd)} of ${formatUsd(budget.data.limit_usd)}`}
              caption={`${formatUsd(budget.data.reserved_usd)} reserved by running jobs`}
            />
          ) : (
            <p className="text-sm text-fg">
              No limit. Spent {budget.data.period === "month" ? "this month" : "so far"}:{" "}
              <span className="tabular-nums">{formatUsd(budget.data.spent_usd)}</span>
            </p>
          )}
          {isAdmin ? <BudgetForm budget={budget.data} /> : <p className="text-xs text-muted">Only admins can change the limit.</p>}
        </div>
      )}
    </Card>
  );
}
