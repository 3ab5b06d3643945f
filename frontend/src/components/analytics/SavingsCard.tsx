"use client";

import { SavingsSummary } from "@/components/savings/SavingsSummary";
import { Card } from "@/components/ui/Card";
import { Skeleton } from "@/components/ui/Skeleton";
import { ErrorState } from "@/components/ui/StateViews";
import { useSavings, type DateRange } from "@/hooks/queries/analytics";

/** What the generation jobs of the period cost against their teachers alone (as each job's and dataset's page). */
export function SavingsCard({ range }: { range: DateRange }) {
  const savings = useSavings(range);
  return (
    <Card title="Savings vs teacher only" labelledBy="savings-title">
      {savings.isPending ? (
        <Skeleton className="h-24 w-full" />
      ) : savings.isError && !savings.data ? (
        <ErrorState title="Could not load the savings" error={savings.error} onRetry={() => void savings.refetch()} />
      ) : (
        <div className="space-y-2">
          <SavingsSummary savings={savings.data} />
          <p className="text-xs text-muted">
            {savings.data.jobs} generation {savings.data.jobs === 1 ? "job" : "jobs"} created in the period.
          </p>
        </div>
      )}
    </Card>
  );
}
