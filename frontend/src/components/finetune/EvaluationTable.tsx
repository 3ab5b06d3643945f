import { EmptyState } from "@/components/ui/StateViews";

import { bestRole, METRICS, type Evaluation, type Role } from "./evaluation";

export const ROLE_LABELS: Record<Role, string> = { base: "Base student", tuned: "Tuned student", teacher: "Teacher" };

/** Base vs tuned (vs teacher), one row per score; the best value of each row is marked. */
export function EvaluationTable({ evaluation }: { evaluation: Evaluation }) {
  const { models } = evaluation;
  const metrics = METRICS.filter((m) => models.some((model) => model.metrics[m.key] !== undefined));
  if (models.length === 0 || metrics.length === 0) {
    return <EmptyState title="No scores in the evaluation">The held-out rows could not be scored.</EmptyState>;
  }
  return (
    <div className="space-y-2">
      <p className="text-sm text-muted">
        {evaluation.heldout} {evaluation.source === "gold" ? "gold" : "held-out"} row{evaluation.heldout === 1 ? "" : "s"}, never trained on
        {evaluation.dataType ? ` · ${evaluation.dataType}` : ""}. The better value of each row is marked “best”.
      </p>
      <div tabIndex={0} className="-mx-4 overflow-x-auto sm:mx-0">
        <table className="w-full min-w-[32rem] text-left text-sm" aria-label="Evaluation">
          <thead className="border-b border-border text-xs uppercase tracking-wide text-muted">
            <tr>
              <th scope="col" className="px-4 py-2 font-medium sm:px-2">Score</th>
              {models.map((m) => (
                <th key={m.role} scope="col" className="px-2 py-2 text-right font-medium">
                  {ROLE_LABELS[m.role]}
                </th>
              ))}
            </tr>
          </thead>
          <tbody className="divide-y divide-border">
            {metrics.map((metric) => {
              const best = bestRole(models, metric);
              return (
                <tr key={metric.key} data-testid={`metric-${metric.key}`}>
                  <th scope="row" className="px-4 py-2 font-medium text-fg sm:px-2">
                    {metric.label}
                    <span className="ml-1 text-xs font-normal text-muted">({metric.better} is better)</span>
                  </th>
                  {models.map((m) => {
                    const v = m.metrics[metric.key];
                    const isBest = best === m.role;
                    return (
                      <td
                        key={m.role}
                        className={`px-2 py-2 text-right tabular-nums ${isBest ? "bg-ok-soft font-semibold text-ok" : "text-fg"}`}
                      >
                        {v === undefined ? "—" : metric.format(v)}
                        {isBest && <span className="ml-1 text-xs font-medium">best</span>}
                      </td>
                    );
                  })}
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </div>
  );
}
