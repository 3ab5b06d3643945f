"use client";

import type { Schemas } from "@/lib/api/client";
import { formatUsd } from "@/lib/money";

export type Savings = Schemas["SavingsRead"];

/** The kinds whose figures compare with the teacher alone; the others are told by their sentence only. */
const COMPARED = new Set<Savings["kind"]>(["saved", "cost_more"]);

/** The big figure of each kind: the saving, the extra cost, or (nothing to compare) what was spent. */
const FIGURE: Record<Savings["kind"], (s: Savings) => string> = {
  saved: (s) => formatUsd(s.savings_usd),
  cost_more: (s) => `+${formatUsd(Math.abs(Number(s.savings_usd ?? 0)))}`,
  free: (s) => formatUsd(s.actual_usd),
  cached: (s) => formatUsd(s.actual_usd),
  nothing: (s) => formatUsd(s.actual_usd),
  unknown: (s) => formatUsd(s.actual_usd),
  not_applicable: (s) => formatUsd(s.actual_usd),
};
const CAPTION: Record<Savings["kind"], string> = {
  saved: "saved",
  cost_more: "more than the teacher alone",
  free: "spent",
  cached: "spent",
  nothing: "spent",
  unknown: "spent (saving unknown)",
  not_applicable: "spent",
};

/**
 * A saving as the API computes it for a job, a dataset and analytics alike: the sentence first (it says
 * what happened for free, fully cached and unpriced runs), then the figures and each lever's part.
 */
export function SavingsSummary({ savings, testId }: { savings: Savings; testId?: string }) {
  const compared = COMPARED.has(savings.kind);
  return (
    <div className="space-y-3 text-sm" data-testid={testId}>
      <p className="text-fg" data-testid="savings-headline">
        {savings.headline}
      </p>
      <p className="flex items-baseline gap-2">
        <span
          className={`text-3xl font-semibold tabular-nums ${savings.kind === "saved" ? "text-ok" : savings.kind === "cost_more" ? "text-warn" : "text-fg"}`}
          data-testid="savings-amount"
        >
          {FIGURE[savings.kind](savings)}
        </span>
        <span className="text-muted">{CAPTION[savings.kind]}</span>
      </p>
      <dl className="grid grid-cols-2 gap-1">
        <dt className="text-muted">Actual cost</dt>
        <dd className="text-right tabular-nums">{formatUsd(savings.actual_usd)}</dd>
        <dt className="text-muted">Teacher alone (writes and validates every row)</dt>
        <dd className="text-right tabular-nums">{savings.teacher_only_usd === null ? "unknown" : formatUsd(savings.teacher_only_usd)}</dd>
        <dt className="text-muted">Calls made</dt>
        <dd className="text-right tabular-nums">{savings.calls}</dd>
        {savings.cached_rows > 0 && (
          <>
            <dt className="text-muted">Rows answered from the cache</dt>
            <dd className="text-right tabular-nums">{savings.cached_rows}</dd>
          </>
        )}
      </dl>
      {compared && (
        <table className="w-full text-left" aria-label="The saving by lever">
          <thead className="text-xs text-muted">
            <tr>
              <th scope="col" className="font-medium">Lever</th>
              <th scope="col" className="text-right font-medium">Saved</th>
              <th scope="col" className="text-right font-medium">Share of teacher alone</th>
            </tr>
          </thead>
          <tbody>
            {savings.levers.map((lever) => (
              <tr key={lever.lever}>
                <td>{lever.lever}</td>
                <td className="text-right tabular-nums">{lever.saved_usd === null ? "unknown" : formatUsd(lever.saved_usd)}</td>
                <td className="text-right tabular-nums">{lever.percent === null ? "—" : `${Number(lever.percent).toFixed(1)}%`}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
