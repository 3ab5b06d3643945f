import { Meter } from "@/components/ui/Meter";
import { isTerminal, type Job } from "@/hooks/queries/jobs";
import { formatDuration } from "@/lib/format";
import { formatSeconds, formatUsd } from "@/lib/money";

import { JobCascade } from "./JobCascade";
import { JobPairs } from "./JobPairs";
import { ProgressBar } from "./ProgressBar";

function Stat({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div className="min-w-0 rounded-lg border border-border p-3">
      <dt className="text-xs font-medium uppercase tracking-wide text-muted">{label}</dt>
      <dd className="mt-1 text-lg font-semibold tabular-nums text-fg">{children}</dd>
    </div>
  );
}

function eta(job: Job): string {
  if (isTerminal(job.status)) return job.started_at && job.finished_at ? `took ${formatDuration(job.started_at, job.finished_at)}` : "—";
  if (job.status === "paused") return "paused";
  if (job.activity.state === "queued") return "not started";
  if (job.activity.state === "stalled") return "stalled";
  return job.eta_seconds === null ? "estimating…" : `~${formatSeconds(job.eta_seconds)}`;
}

/** What a quality job decided so far (rows kept, rewritten, removed); a regenerate job: rows replaced and kept. */
function Verdicts({ job, verdicts }: { job: Job; verdicts: NonNullable<Job["verdicts"]> }) {
  if (job.kind === "regenerate") {
    return (
      <dl className="grid grid-cols-2 gap-3" aria-label="Verdicts" data-testid="job-verdicts">
        <Stat label="Regenerated">{verdicts.fix}</Stat>
        <Stat label="Kept as they were">{verdicts.keep}</Stat>
      </dl>
    );
  }
  return (
    <dl className="grid grid-cols-3 gap-3" aria-label="Verdicts" data-testid="job-verdicts">
      <Stat label="Kept">{verdicts.keep}</Stat>
      <Stat label="Fixed">{verdicts.fix}</Stat>
      <Stat label="Removed">{verdicts.remove}</Stat>
    </dl>
  );
}

/** How an ended job's rows were checked: by a judge, by their structure only, and why items were removed. */
function RowChecks({ summary }: { summary: NonNullable<Job["summary"]> }) {
  return (
    <section aria-labelledby="job-checks-title" data-testid="job-checks">
      <h3 id="job-checks-title" className="mb-2 text-sm font-medium text-fg">
        How the rows were checked
      </h3>
      <dl className="grid grid-cols-2 gap-3 lg:grid-cols-4">
        <Stat label="Judged">{summary.judged}</Stat>
        <Stat label="Structure only">{summary.structure_only}</Stat>
        <Stat label="Fixed">{summary.fixed}</Stat>
        <Stat label="Removed">{summary.removed}</Stat>
      </dl>
      <p className="mt-2 text-sm text-muted" data-testid="job-checks-text">
        {summary.judged} of {summary.rows} row{summary.rows === 1 ? "" : "s"} judged
        {summary.structure_only > 0
          ? `; ${summary.structure_only} checked only by their structure (the judge policy left them unjudged)`
          : ""}
        {summary.removed > 0 ? `; ${summary.removed} removed.` : "; none removed."}
      </p>
      {summary.reasons.length > 0 && (
        <ul className="mt-2 list-disc space-y-1 pl-5 text-sm text-fg" aria-label="Why rows were removed">
          {summary.reasons.map((r) => (
            <li key={r.reason} className="break-words">
              {r.reason} <span className="tabular-nums text-muted">({r.count})</span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

const ROWS_LABELS: Partial<Record<Job["kind"], string>> = {
  quality: "Reviewed rows",
  regenerate: "Rows done",
  preference: "Pairs kept",
};

/** Rows accepted (or, for a quality job, reviewed), money spent against the budget, and the time left. */
export function JobSummary({ job }: { job: Job }) {
  const spent = Number(job.spent_usd);
  const budget = job.budget_usd === null ? null : Number(job.budget_usd);
  const rowsLabel = ROWS_LABELS[job.kind] ?? "Accepted rows";
  return (
    <div className="space-y-4">
      <div>
        <div className="mb-1.5 flex items-baseline justify-between text-sm">
          <span className="font-medium text-fg">{rowsLabel}</span>
          <span className="tabular-nums text-fg" data-testid="job-accepted">
            {job.accepted} / {job.requested}
          </span>
        </div>
        <ProgressBar label={rowsLabel} value={job.accepted} max={job.requested} />
      </div>
      {job.verdicts && <Verdicts job={job} verdicts={job.verdicts} />}
      {/* A preference job's rows are pairs: JobPairs says how they were decided, and why the others were not. */}
      {job.summary && job.kind !== "preference" && <RowChecks summary={job.summary} />}
      <JobCascade job={job} />
      <JobPairs job={job} />
      <dl className="grid grid-cols-2 gap-3 lg:grid-cols-4">
        <Stat label="Spent">{formatUsd(job.spent_usd)}</Stat>
        <Stat label="Reserved">{formatUsd(job.reserved_usd)}</Stat>
        <Stat label="Budget">{budget === null ? "none" : formatUsd(job.budget_usd)}</Stat>
        <Stat label={isTerminal(job.status) ? "Duration" : "Time left"}>{eta(job)}</Stat>
      </dl>
      {budget !== null && budget > 0 && (
        <Meter
          label="Budget used"
          percent={(spent / budget) * 100}
          valueText={`${formatUsd(spent)} of ${formatUsd(budget)}`}
        />
      )}
      {Number(job.unknown_usd) > 0 && (
        <p className="text-xs text-muted">Some calls have no known price; their cost is not included.</p>
      )}
    </div>
  );
}
