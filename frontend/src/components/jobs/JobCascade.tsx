import type { Job } from "@/hooks/queries/jobs";
import { formatUsd } from "@/lib/money";

type Cascade = NonNullable<Job["cascade"]>;
type Path = NonNullable<Cascade["student_path"]>;

const NONE: Path = { answered: 0, accepted: 0, mean_score: null, acceptance: null };

function Stat({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div className="min-w-0 rounded-lg border border-border p-3">
      <dt className="text-xs font-medium uppercase tracking-wide text-muted">{label}</dt>
      <dd className="mt-1 text-lg font-semibold tabular-nums text-fg">{children}</dd>
    </div>
  );
}

const percent = (share: number | null | undefined) => (share === null || share === undefined ? "—" : `${(share * 100).toFixed(1)}%`);
const score = (value: number | null | undefined) => (value === null || value === undefined ? "not judged" : value.toFixed(2));

function PathLine({ name, path }: { name: string; path: Path }) {
  return (
    <li className="break-words">
      {name}: answered {path.answered}, kept {path.accepted} ({percent(path.acceptance)})
      {path.accepted > 0 ? `, mean score ${score(path.mean_score)}` : ""}
    </li>
  );
}

/** A student-first relabel job: how many prompts the teacher re-answered and why, what it cost against the
 * teacher alone, and the quality of each path. */
export function JobCascade({ job }: { job: Job }) {
  const cascade = job.cascade;
  if (!cascade) return null;
  const saved = Number(cascade.saved_usd);
  const reasons = Object.entries(cascade.escalation_reasons ?? {});
  return (
    <section aria-labelledby="job-cascade-title" data-testid="job-cascade" className="space-y-3">
      <h3 id="job-cascade-title" className="text-sm font-medium text-fg">
        Student first: {cascade.student}, escalated below {cascade.escalate_below}
      </h3>
      <dl className="grid grid-cols-2 gap-3 lg:grid-cols-4">
        <Stat label="Escalated">
          {cascade.escalated ?? 0} / {cascade.prompts ?? 0} ({percent(cascade.escalated_share)})
        </Stat>
        <Stat label="Cascade cost">{formatUsd(cascade.cost_usd)}</Stat>
        <Stat label="Teacher only">{formatUsd(cascade.teacher_only_usd)}</Stat>
        <Stat label={saved < 0 ? "Extra cost" : "Saved"}>
          {formatUsd(Math.abs(saved))} ({percent(cascade.saved_share === null ? null : Math.abs(cascade.saved_share))})
        </Stat>
      </dl>
      <ul className="list-disc space-y-1 pl-5 text-sm text-fg" aria-label="Quality of each path">
        <PathLine name="Student" path={cascade.student_path ?? NONE} />
        <PathLine name="Teacher (escalated)" path={cascade.teacher_path ?? NONE} />
      </ul>
      {reasons.length > 0 && (
        <p className="text-sm text-muted" data-testid="job-cascade-reasons">
          Why prompts went to the teacher: {reasons.map(([reason, count]) => `${reason} (${count})`).join(", ")}
        </p>
      )}
    </section>
  );
}
