"use client";

import Link from "next/link";
import { useState } from "react";

import { Button, buttonVariants } from "@/components/ui/Button";
import { Card } from "@/components/ui/Card";
import { Field } from "@/components/ui/Field";
import { PageHeader } from "@/components/ui/PageHeader";
import { Pagination } from "@/components/ui/Pagination";
import { Select } from "@/components/ui/Select";
import { LoadingRegion, Skeleton } from "@/components/ui/Skeleton";
import { EmptyState, ErrorState } from "@/components/ui/StateViews";
import { JOB_STATUSES, useJobs, type JobStatus } from "@/hooks/queries/jobs";

import { JobsTable } from "./JobsTable";

const PAGE_SIZE = 20;
const NEW_JOB = buttonVariants({ variant: "primary" });

function StatusSelect({ value, onChange }: { value: JobStatus | null; onChange: (s: JobStatus | null) => void }) {
  return (
    <Field label="Status" htmlFor="job-status" orientation="horizontal" labelClassName="font-normal text-muted">
      <Select
        value={value ?? ""}
        onChange={(e) => onChange(JOB_STATUSES.find((s) => s === e.target.value) ?? null)}
        className="w-auto pr-8"
      >
        <option value="">All statuses</option>
        {JOB_STATUSES.map((status) => (
          <option key={status} value={status}>
            {status}
          </option>
        ))}
      </Select>
    </Field>
  );
}

export function JobsView() {
  const [page, setPage] = useState(1);
  const [status, setStatus] = useState<JobStatus | null>(null);
  const jobs = useJobs({ page, pageSize: PAGE_SIZE, status });

  const body = () => {
    if (jobs.isPending) {
      return (
        <LoadingRegion label="Loading jobs…">
          <div className="space-y-3">
            {Array.from({ length: 5 }, (_, i) => (
              <Skeleton key={i} className="h-12 w-full" />
            ))}
          </div>
        </LoadingRegion>
      );
    }
    if (jobs.isError && !jobs.data) {
      return <ErrorState title="Could not load the jobs" error={jobs.error} onRetry={() => void jobs.refetch()} />;
    }
    if (jobs.data.total === 0) {
      return status ? (
        <EmptyState title={`No ${status} jobs`} action={<Button onClick={() => setStatus(null)}>Show all statuses</Button>} />
      ) : (
        <EmptyState title="No jobs yet" action={<Link href="/generate/" className={NEW_JOB}>Generate a dataset</Link>}>
          A job appears here when you generate a dataset.
        </EmptyState>
      );
    }
    return (
      <div className="space-y-4">
        <JobsTable jobs={jobs.data.items} />
        <Pagination page={page} pageSize={PAGE_SIZE} total={jobs.data.total} onPage={setPage} label="Job pages" />
      </div>
    );
  };

  return (
    <>
      <PageHeader
        title="Jobs"
        description="Generation runs, newest first, with their progress and spend."
        actions={
          <Link href="/generate/" className={NEW_JOB}>
            New generation
          </Link>
        }
      />
      <Card
        title="All jobs"
        labelledBy="job-list-title"
        aside={
          <StatusSelect
            value={status}
            onChange={(next) => {
              setStatus(next);
              setPage(1);
            }}
          />
        }
      >
        {body()}
      </Card>
    </>
  );
}
