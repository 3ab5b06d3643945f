import type { Job } from "@/hooks/queries/jobs";

function Stat({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div className="min-w-0 rounded-lg border border-border p-3">
      <dt className="text-xs font-medium uppercase tracking-wide text-muted">{label}</dt>
      <dd className="mt-1 text-lg font-semibold tabular-nums text-fg">{children}</dd>
    </div>
  );
}

const REASON_TEXT: Record<string, string> = {
  "position-inconsistent": "position-inconsistent: the two orders named different winners",
  tie: "tie: both orders judged the answers equal",
  "below margin": "below margin: the winner did not win by enough",
};

/** A preference job's pairs: kept (and which model was preferred), and why the others were not kept. */
export function JobPairs({ job }: { job: Job }) {
  const pairs = job.preference;
  if (!pairs) return null;
  const preferred = Object.entries(pairs.preferred);
  return (
    <section aria-labelledby="job-pairs-title" data-testid="job-pairs" className="space-y-3">
      <h3 id="job-pairs-title" className="text-sm font-medium text-fg">
        Preference pairs: {pairs.pairs} decided
      </h3>
      <dl className="grid grid-cols-2 gap-3 lg:grid-cols-5">
        <Stat label="Kept">{pairs.kept}</Stat>
        <Stat label="Not kept">{pairs.rejected}</Stat>
        <Stat label="Position-inconsistent">{pairs.position_inconsistent}</Stat>
        <Stat label="Ties">{pairs.ties}</Stat>
        <Stat label="Below margin">{pairs.below_margin}</Stat>
      </dl>
      {preferred.length > 0 && (
        <p className="text-sm text-muted" data-testid="job-pairs-preferred">
          Chosen answers: {preferred.map(([model, count]) => `${model} ${count}`).join(", ")}
        </p>
      )}
      {pairs.reasons.length > 0 && (
        <ul className="list-disc space-y-1 pl-5 text-sm text-fg" aria-label="Why pairs were not kept">
          {pairs.reasons.map((r) => (
            <li key={r.reason} className="break-words">
              {REASON_TEXT[r.reason] ?? r.reason} <span className="tabular-nums text-muted">({r.count})</span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
