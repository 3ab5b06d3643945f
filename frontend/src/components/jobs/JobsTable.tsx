import Link from "next/link";

import { RelativeTime } from "@/components/ui/RelativeTime";
import type { Job } from "@/hooks/queries/jobs";
import { formatUsd } from "@/lib/money";

import { JobStatusBadge } from "./JobStatusBadge";
import { ProgressBar } from "./ProgressBar";
import { jobHref } from "./links";

const KIND_LABELS: Partial<Record<Job["kind"], string>> = {
  quality: "quality check · ",
  amplify: "seed amplification · ",
  regenerate: "regeneration · ",
  relabel: "your prompts · ",
  preference: "preference pairs · ",
};

/** What a job writes, in a few words: "qa · 3 rows". */
export function jobSummary(job: Job): string {
  const dataType = typeof job.config.data_type === "string" ? job.config.data_type : job.kind;
  const kind = KIND_LABELS[job.kind] ?? "";
  return `${kind}${dataType} · ${job.requested} row${job.requested === 1 ? "" : "s"}`;
}

export function JobsTable({ jobs }: { jobs: Job[] }) {
  return (
    <div tabIndex={0} className="-mx-4 overflow-x-auto sm:mx-0">
      <table className="w-full min-w-[40rem] text-left text-sm" aria-label="Jobs">
        <thead className="border-b border-border text-xs uppercase tracking-wide text-muted">
          <tr>
            <th scope="col" className="px-4 py-2 font-medium sm:px-2">Job</th>
            <th scope="col" className="px-2 py-2 font-medium">Status</th>
            <th scope="col" className="w-1/4 px-2 py-2 font-medium">Progress</th>
            <th scope="col" className="px-2 py-2 text-right font-medium">Spent</th>
            <th scope="col" className="px-2 py-2 font-medium">Started</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-border">
          {jobs.map((job) => (
            <tr key={job.id} className="hover:bg-surface-muted/60">
              <td className="px-4 py-2.5 sm:px-2">
                <Link href={jobHref(job.id)} className="font-medium text-accent hover:underline">
                  {jobSummary(job)}
                </Link>
                <div className="font-mono text-xs text-muted">{job.id.slice(0, 8)}</div>
              </td>
              <td className="px-2 py-2.5">
                <JobStatusBadge status={job.status} activity={job.activity} />
              </td>
              <td className="px-2 py-2.5">
                <div className="mb-1 text-xs tabular-nums text-muted">
                  {job.accepted} / {job.requested} accepted
                </div>
                <ProgressBar label={`Progress of job ${job.id.slice(0, 8)}`} value={job.accepted} max={job.requested} />
              </td>
              <td className="px-2 py-2.5 text-right tabular-nums">
                {formatUsd(job.spent_usd)}
                {job.budget_usd !== null && <span className="text-muted"> / {formatUsd(job.budget_usd)}</span>}
              </td>
              <td className="px-2 py-2.5 text-muted">
                <RelativeTime value={job.created_at} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
