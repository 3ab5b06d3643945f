"use client";

import Link from "next/link";

import { jobSummary } from "@/components/jobs/JobsTable";
import { JobStatusBadge } from "@/components/jobs/JobStatusBadge";
import { jobHref } from "@/components/jobs/links";
import { ProgressBar } from "@/components/jobs/ProgressBar";
import { Card } from "@/components/ui/Card";
import { LoadingRegion, Skeleton } from "@/components/ui/Skeleton";
import { ErrorState } from "@/components/ui/StateViews";
import { useJobs } from "@/hooks/queries/jobs";
import { formatUsd } from "@/lib/money";

const SHOWN = 5;

/** The running jobs, each with where it is (queued, working, stalled) and its progress, linked to its page. */
export function RunningJobs() {
  const jobs = useJobs({ page: 1, pageSize: SHOWN, status: "running" });
  const total = jobs.data?.total;
  return (
    <Card
      title={total === undefined ? "Running jobs" : `Running jobs (${total})`}
      labelledBy="overview-running"
      aside={
        <Link href="/jobs/" className="text-sm font-medium text-accent hover:underline">
          All jobs
        </Link>
      }
    >
      {jobs.isPending ? (
        <LoadingRegion label="Loading the running jobs…">
          <Skeleton className="h-16 w-full" />
        </LoadingRegion>
      ) : jobs.isError ? (
        <ErrorState title="Could not load the jobs" error={jobs.error} onRetry={() => void jobs.refetch()} retrying={jobs.isFetching} />
      ) : jobs.data.items.length === 0 ? (
        <p className="text-sm text-muted">
          No job is running.{" "}
          <Link href="/generate/" className="font-medium text-accent hover:underline">
            Generate a dataset
          </Link>
        </p>
      ) : (
        <ul className="space-y-4" aria-label="Running jobs">
          {jobs.data.items.map((job) => (
            <li key={job.id}>
              <div className="mb-1 flex flex-wrap items-center justify-between gap-x-3 gap-y-1 text-sm">
                <span className="flex min-w-0 items-center gap-2">
                  <Link href={jobHref(job.id)} className="min-w-0 truncate font-medium text-accent hover:underline">
                    {jobSummary(job)}
                  </Link>
                  <JobStatusBadge status={job.status} activity={job.activity} />
                </span>
                <span className="shrink-0 tabular-nums text-muted">
                  {job.accepted} / {job.requested} · {formatUsd(job.spent_usd)}
                </span>
              </div>
              <ProgressBar label={`Progress of ${jobSummary(job)}`} value={job.accepted} max={job.requested} />
              <p className="mt-1 text-xs text-muted" data-testid="running-job-activity">
                {job.activity.summary}
              </p>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}
