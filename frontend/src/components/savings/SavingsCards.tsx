"use client";

import { Card } from "@/components/ui/Card";
import { Skeleton } from "@/components/ui/Skeleton";
import { ErrorState } from "@/components/ui/StateViews";
import { useDatasetSavings } from "@/hooks/queries/datasets";
import type { Job } from "@/hooks/queries/jobs";
import { useJobSavings } from "@/hooks/queries/savings";

import { SavingsSummary, type Savings } from "./SavingsSummary";

type Query = {
  isPending: boolean;
  isError: boolean;
  data: Savings | undefined;
  error: Error | null;
  refetch: () => unknown;
};

function SavingsBody({ query, testId }: { query: Query; testId: string }) {
  if (query.isPending) return <Skeleton className="h-24 w-full" />;
  if (!query.data) {
    return <ErrorState title="Could not load the savings" error={query.error} onRetry={() => void query.refetch()} />;
  }
  return <SavingsSummary savings={query.data} testId={testId} />;
}

/** A finished generation job's cost against the teacher alone (what the API's /jobs/{id}/savings says). */
export function JobSavingsCard({ job }: { job: Job }) {
  const shown = (job.kind === "generate" || job.kind === "amplify") && job.finished_at !== null;
  const query = useJobSavings(job.id, `${job.status}:${job.spent_usd}`, shown);
  if (!shown) return null;
  return (
    <Card title="Savings vs teacher only" labelledBy="job-savings-title">
      <SavingsBody query={query} testId="job-savings" />
    </Card>
  );
}

/** The dataset's generation jobs together against the teacher alone. */
export function DatasetSavingsCard({ datasetId }: { datasetId: string }) {
  const query = useDatasetSavings(datasetId);
  return (
    <Card title="Savings vs teacher only" labelledBy="dataset-savings-title">
      <SavingsBody query={query} testId="dataset-savings" />
    </Card>
  );
}
