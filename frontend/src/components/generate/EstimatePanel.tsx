"use client";

import { Card } from "@/components/ui/Card";
import { Skeleton } from "@/components/ui/Skeleton";
import { EmptyState, ErrorState } from "@/components/ui/StateViews";
import { useEstimate, type Estimate, type GenerationRequest } from "@/hooks/queries/jobs";
import { useDebounced } from "@/hooks/useDebounced";
import { formatUsd } from "@/lib/money";

/** Long enough that typing a number sends one request, short enough to feel live. */
export const ESTIMATE_DEBOUNCE_MS = 400;

/** The API's warnings (e.g. the estimate exceeds the budget), as an alert above the numbers. */
function Warnings({ warnings }: { warnings: string[] }) {
  if (warnings.length === 0) return null;
  return (
    <div role="alert" data-testid="estimate-warnings" className="rounded-lg border border-warn/40 bg-warn-soft p-2 text-xs text-fg">
      {warnings.map((warning) => (
        <p key={warning}>Warning: {warning}.</p>
      ))}
    </div>
  );
}

function EstimateBody({ estimate }: { estimate: Estimate }) {
  const human = Number(estimate.human_cost_usd);
  const total = estimate.total_usd === null ? null : Number(estimate.total_usd);
  return (
    <div className="space-y-3 text-sm">
      <Warnings warnings={estimate.warnings} />
      <dl className="grid grid-cols-2 gap-2">
        <dt className="text-muted">This job</dt>
        <dd className="text-right text-lg font-semibold tabular-nums text-fg" data-testid="estimate-total">
          {formatUsd(estimate.total_usd)}
        </dd>
        <dt className="text-muted">Teacher alone</dt>
        <dd className="text-right tabular-nums text-fg">{formatUsd(estimate.teacher_only_usd)}</dd>
        <dt className="text-muted">Savings</dt>
        <dd className="text-right font-medium tabular-nums text-ok" data-testid="estimate-savings">
          {formatUsd(estimate.savings_usd)}
          {estimate.savings_percent !== null && ` (${Number(estimate.savings_percent).toFixed(0)}%)`}
        </dd>
        <dt className="text-muted">Human annotation</dt>
        <dd className="text-right tabular-nums text-fg" data-testid="estimate-human">
          {formatUsd(estimate.human_cost_usd)}
          <span className="block text-xs text-muted">
            at {formatUsd(estimate.human_cost_per_row_usd)}/row
            {total !== null && human > 0 && `; ${(((human - total) / human) * 100).toFixed(0)}% more than this job`}
          </span>
        </dd>
      </dl>
      {estimate.savings_usd !== null && (
        <table className="w-full text-left text-xs" aria-label="Savings by lever">
          <thead className="text-muted">
            <tr>
              <th scope="col" className="py-1 font-medium">Lever</th>
              <th scope="col" className="py-1 text-right font-medium">Saves</th>
            </tr>
          </thead>
          <tbody className="divide-y divide-border">
            {estimate.levers.map((lever) => (
              <tr key={lever.lever}>
                <td className="py-1">{lever.lever}</td>
                <td className="py-1 text-right tabular-nums">
                  {lever.saved_usd !== null && Number(lever.saved_usd) === 0 && lever.lever === "batch"
                    ? "not used yet"
                    : lever.lever === "prompt caching" && Number(lever.saved_usd) === 0
                      ? "not estimated"
                      : formatUsd(lever.saved_usd)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <table className="w-full text-left text-xs" aria-label="Estimate per stage">
        <thead className="text-muted">
          <tr>
            <th scope="col" className="py-1 font-medium">Stage</th>
            <th scope="col" className="py-1 text-right font-medium">Rows</th>
            <th scope="col" className="py-1 text-right font-medium">Cost</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-border">
          {estimate.stages.map((s) => (
            <tr key={s.stage}>
              <td className="py-1">
                {s.stage} <span className="break-all text-muted">· {s.model}</span>
              </td>
              <td className="py-1 text-right tabular-nums">{s.rows}</td>
              <td className="py-1 text-right tabular-nums">{formatUsd(s.cost_usd)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="text-xs text-muted">
        {estimate.basis === "history" ? "Based on past jobs of this data type." : "Based on defaults: no finished job of this type yet."}
        {estimate.unknown_models.length > 0 && ` No price known for ${estimate.unknown_models.join(", ")}.`}
      </p>
    </div>
  );
}

/** The job's projected cost and its savings against the teacher alone, re-priced as the form changes. */
export function EstimatePanel({ request }: { request: GenerationRequest | null }) {
  const settled = useDebounced(request, ESTIMATE_DEBOUNCE_MS);
  const estimate = useEstimate(settled);
  const stale = estimate.isFetching || settled !== request;
  return (
    <Card title="Cost estimate" labelledBy="estimate-title" aside={stale && settled ? <span className="text-xs text-muted">updating…</span> : null}>
      <div aria-live="polite" aria-busy={stale} data-testid="estimate-body" className={stale ? "opacity-70 transition-opacity" : ""}>
        {settled === null ? (
          <EmptyState title="Nothing to price yet">Choose a data type, a name and a size to see the cost.</EmptyState>
        ) : estimate.isError ? (
          <ErrorState title="Could not estimate this job" error={estimate.error} />
        ) : estimate.data ? (
          <EstimateBody estimate={estimate.data} />
        ) : (
          <Skeleton className="h-32 w-full" />
        )}
      </div>
    </Card>
  );
}
