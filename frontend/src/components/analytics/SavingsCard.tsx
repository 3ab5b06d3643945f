"use client";

import { Card } from "@/components/ui/Card";
import { Skeleton } from "@/components/ui/Skeleton";
import { ErrorState } from "@/components/ui/StateViews";
import { useSavings, type DateRange } from "@/hooks/queries/analytics";
import { formatUsd } from "@/lib/money";

/** What the jobs cost against their teachers writing every row. */
export function SavingsCard({ range }: { range: DateRange }) {
  const savings = useSavings(range);
  return (
    <Card title="Savings vs teacher only" labelledBy="savings-title">
      {savings.isPending ? (
        <Skeleton className="h-24 w-full" />
      ) : savings.isError && !savings.data ? (
        <ErrorState title="Could not load the savings" error={savings.error} onRetry={() => void savings.refetch()} />
      ) : (
        <div className="space-y-2 text-sm">
          <p className="text-3xl font-semibold tabular-nums text-ok" data-testid="savings-amount">
            {formatUsd(savings.data.savings_usd)}
          </p>
          <p className="text-muted">
            {savings.data.savings_percent === null
              ? "Nothing to compare yet."
              : `${Number(savings.data.savings_percent).toFixed(0)}% less than the teacher alone`}
          </p>
          <dl className="grid grid-cols-2 gap-1 pt-2">
            <dt className="text-muted">Actual spend</dt>
            <dd className="text-right tabular-nums">{formatUsd(savings.data.actual_usd)}</dd>
            <dt className="text-muted">Teacher only</dt>
            <dd className="text-right tabular-nums">{formatUsd(savings.data.teacher_only_usd)}</dd>
            <dt className="text-muted">Jobs</dt>
            <dd className="text-right tabular-nums">{savings.data.jobs}</dd>
          </dl>
          {savings.data.unknown_models.length > 0 && (
            <p className="text-xs text-muted">No price known for {savings.data.unknown_models.join(", ")}.</p>
          )}
        </div>
      )}
    </Card>
  );
}
