"use client";

import Link from "next/link";

import { jobSummary } from "@/components/jobs/JobsTable";
import { jobHref } from "@/components/jobs/links";
import { ProgressBar } from "@/components/jobs/ProgressBar";
import { Card } from "@/components/ui/Card";
import { Meter } from "@/components/ui/Meter";
import { Skeleton } from "@/components/ui/Skeleton";
import { ErrorState } from "@/components/ui/StateViews";
import { useSummary, type Summary } from "@/hooks/queries/analytics";
import { useJobs } from "@/hooks/queries/jobs";
import { formatUsd } from "@/lib/money";

function Figure({ id, label, value, note }: { id: string; label: string; value: string; note?: React.ReactNode }) {
  return (
    <Card title={label} labelledBy={`summary-${id}`}>
      <p className="text-2xl font-semibold tabular-nums text-fg" data-testid={`summary-${id}`}>
        {value}
      </p>
      {note && <div className="mt-1 text-xs text-muted">{note}</div>}
    </Card>
  );
}

function SpendNote({ summary }: { summary: Summary }) {
  const limit = summary.budget_limit_usd === null ? null : Number(summary.budget_limit_usd);
  if (limit === null || limit <= 0) return <>since {summary.month_start} · no global budget</>;
  const spent = Number(summary.budget_spent_usd);
  return (
    <Meter
      label="Global budget used"
      percent={(spent / limit) * 100}
      valueText={`${formatUsd(spent)} of ${formatUsd(limit)}`}
    />
  );
}

/** The running jobs, each with its progress, linked to its page. */
function RunningJobs() {
  const jobs = useJobs({ page: 1, pageSize: 5, status: "running" });
  if (jobs.isPending) return <Skeleton className="h-16 w-full" />;
  if (jobs.isError) return <ErrorState title="Could not load the jobs" error={jobs.error} onRetry={() => void jobs.refetch()} />;
  if (jobs.data.items.length === 0) {
    return (
      <p className="text-sm text-muted">
        No job is running.{" "}
        <Link href="/generate/" className="font-medium text-accent hover:underline">
          Generate a dataset
        </Link>
      </p>
    );
  }
  return (
    <ul className="space-y-3" aria-label="Running jobs">
      {jobs.data.items.map((job) => (
        <li key={job.id}>
          <div className="mb-1 flex items-baseline justify-between gap-3 text-sm">
            <Link href={jobHref(job.id)} className="min-w-0 truncate font-medium text-accent hover:underline">
              {jobSummary(job)}
            </Link>
            <span className="shrink-0 tabular-nums text-muted">
              {job.accepted} / {job.requested} · {formatUsd(job.spent_usd)}
            </span>
          </div>
          <ProgressBar label={`Progress of ${jobSummary(job)}`} value={job.accepted} max={job.requested} />
        </li>
      ))}
    </ul>
  );
}

/** Distillation at a glance: what there is, what it cost this month, how good it is, what is running. */
export function SummaryCards() {
  const summary = useSummary();
  if (summary.isPending) {
    return (
      <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
        {[0, 1, 2, 3].map((i) => (
          <Skeleton key={i} className="h-28" />
        ))}
      </div>
    );
  }
  if (summary.isError) {
    return <ErrorState title="Could not load the summary" error={summary.error} onRetry={() => void summary.refetch()} />;
  }
  const data = summary.data;
  return (
    <div className="space-y-4">
      <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
        <Figure id="datasets" label="Datasets" value={data.datasets.toLocaleString()} />
        <Figure id="examples" label="Examples" value={data.examples.toLocaleString()} note="in the current versions" />
        <Figure
          id="spend"
          label="Spent this month"
          value={formatUsd(data.spent_this_month_usd)}
          note={<SpendNote summary={data} />}
        />
        <Figure
          id="quality"
          label="Average quality"
          value={data.average_score === null ? "—" : `${data.average_score.toFixed(1)} / 10`}
          note="judge score of every scored row"
        />
      </div>
      <Card title={`Running jobs (${data.running_jobs})`} labelledBy="summary-running">
        <RunningJobs />
      </Card>
    </div>
  );
}
