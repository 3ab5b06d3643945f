"use client";

import Link from "next/link";
import { useSearchParams } from "next/navigation";

import { datasetHref } from "@/components/datasets/links";
import { Card } from "@/components/ui/Card";
import { PageHeader } from "@/components/ui/PageHeader";
import { LoadingRegion, Skeleton } from "@/components/ui/Skeleton";
import { EmptyState, ErrorState } from "@/components/ui/StateViews";
import { useMe } from "@/hooks/queries/auth";
import { useLiveJob, type Job, type LiveMode } from "@/hooks/queries/jobs";
import { ApiError } from "@/lib/api/client";

import { JobBatches } from "./JobBatches";
import { JobBudget } from "./JobBudget";
import { JobControls } from "./JobControls";
import { DemoModelNotice } from "@/components/models/DemoModelNotice";
import { JobSavingsCard } from "@/components/savings/SavingsCards";

import { JobStatusBadge } from "./JobStatusBadge";
import { jobSummary } from "./JobsTable";
import { JobSummary } from "./JobSummary";
import { RejectedItems } from "./RejectedItems";
import { StageList } from "./StageList";

const BACK = (
  <Link href="/jobs/" className="text-sm font-medium text-accent hover:underline">
    Back to the jobs
  </Link>
);

const MODE_TEXT: Record<LiveMode, string> = {
  connecting: "connecting…",
  live: "live",
  polling: "updating every 2 s",
  ended: "finished",
};

function Header({ job, mode }: { job: Job; mode: LiveMode }) {
  const models =
    job.kind === "quality"
      ? typeof job.config.judge === "string" ? `judge ${job.config.judge}` : ""
      : job.kind === "preference"
      ? [job.config.teacher, job.config.student].filter((m) => typeof m === "string").join(" vs ")
      : job.kind === "relabel"
      ? [job.config.cascade ? job.config.student : null, job.config.teacher].filter((m) => typeof m === "string").join(" → ")
      : [job.config.teacher, job.config.student].filter((m) => typeof m === "string").join(" → ");
  return (
    <PageHeader
      title={`Job: ${jobSummary(job)}`}
      description={
        <span className="flex flex-wrap items-center gap-2">
          <JobStatusBadge status={job.status} activity={job.activity} />
          <span data-testid="live-mode">Updates: {MODE_TEXT[mode]}</span>
          {models && <span className="break-all">· {models}</span>}
        </span>
      }
      actions={
        job.preview ? (
          <span className="text-sm text-muted">A wizard&apos;s preview: its rows are in no dataset.</span>
        ) : (
          <Link href={datasetHref(job.dataset_id)} className="text-sm font-medium text-accent hover:underline">
            Open the dataset
          </Link>
        )
      }
    />
  );
}

function JobBody({ job, mode, canControl }: { job: Job; mode: LiveMode; canControl: boolean }) {
  const problems = job.stages.reduce((sum, s) => sum + s.rejected + s.failed, 0);
  return (
    <>
      <Header job={job} mode={mode} />
      <div className="space-y-4">
        <DemoModelNotice models={[job.config.teacher, job.config.student].map((m) => (typeof m === "string" ? m : null))} made />
        {["queued", "working", "waiting", "stalled"].includes(job.activity.state) && (
          <div
            role="status"
            data-testid="job-activity"
            className={
              job.activity.state === "stalled"
                ? "rounded-lg border border-warn/40 bg-warn-soft px-4 py-3 text-sm text-fg"
                : "rounded-lg border border-border bg-surface px-4 py-3 text-sm text-fg"
            }
          >
            {job.activity.summary}
          </div>
        )}
        {(job.pause_reason ?? job.error) && (
          <div role="status" className="rounded-lg border border-warn/40 bg-warn-soft px-4 py-3 text-sm text-fg">
            {job.error ?? job.pause_reason}
          </div>
        )}
        <Card title="Progress" labelledBy="job-progress-title" aside={<JobControls job={job} canControl={canControl} />}>
          <JobSummary job={job} />
          <div className="mt-4 border-t border-border pt-4">
            <JobBudget key={job.budget_usd ?? "none"} job={job} canControl={canControl} />
          </div>
        </Card>
        <JobBatches job={job} />
        <JobSavingsCard job={job} />
        <Card title="Stages" labelledBy="job-stages-title">
          <StageList job={job} />
        </Card>
        <Card title="Rejected and failed rows" labelledBy="job-rejected-title">
          <RejectedItems jobId={job.id} version={problems} />
        </Card>
      </div>
    </>
  );
}

export function JobDetailView() {
  const id = useSearchParams().get("id");
  const { job, mode } = useLiveJob(id);
  const me = useMe();
  const canControl = me.data?.role === "admin" || me.data?.role === "editor";

  if (!id) return <EmptyState title="No job chosen" action={BACK}>Pick a job from the list.</EmptyState>;
  if (job.isPending) {
    return (
      <LoadingRegion label="Loading the job…">
        <Skeleton className="mb-6 h-12 w-2/3" />
        <Skeleton className="h-64 w-full" />
      </LoadingRegion>
    );
  }
  if (job.isError && !job.data) {
    if (job.error instanceof ApiError && (job.error.status === 404 || job.error.status === 422)) {
      return <EmptyState title="There is no such job" action={BACK}>The link may be incomplete.</EmptyState>;
    }
    return <ErrorState title="Could not load the job" error={job.error} onRetry={() => void job.refetch()} />;
  }
  return <JobBody job={job.data} mode={mode} canControl={canControl} />;
}
