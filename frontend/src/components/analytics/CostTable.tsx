"use client";

import Link from "next/link";

import { datasetHref } from "@/components/datasets/links";
import { Card } from "@/components/ui/Card";
import { Skeleton } from "@/components/ui/Skeleton";
import { EmptyState, ErrorState } from "@/components/ui/StateViews";
import { useCost, type DateRange } from "@/hooks/queries/analytics";
import { formatUsd } from "@/lib/money";

type Dimension = "dataset" | "model";

const TITLES: Record<Dimension, string> = { dataset: "Spend by dataset", model: "Spend by model" };

function KeyCell({ dimension, value, label }: { dimension: Dimension; value: string; label: string | null | undefined }) {
  if (dimension !== "dataset") return <span className="break-all">{value || "—"}</span>;
  // Calls outside any dataset: provider tests, the playground, evaluations.
  if (value === "None" || !value) return <span className="text-muted">No dataset</span>;
  if (!label) return <span className="text-muted">Deleted dataset <span className="font-mono text-xs">{value.slice(0, 8)}</span></span>;
  return (
    <Link href={datasetHref(value)} title={value} className="break-all text-accent hover:underline">
      {label}
    </Link>
  );
}

/** Spend, calls and tokens per dataset or model, biggest first, with the total. */
export function CostTable({ dimension, range }: { dimension: Dimension; range: DateRange }) {
  const cost = useCost(dimension, range);
  const id = `cost-${dimension}-title`;
  return (
    <Card title={TITLES[dimension]} labelledBy={id}>
      {cost.isPending ? (
        <Skeleton className="h-40 w-full" />
      ) : cost.isError && !cost.data ? (
        <ErrorState title="Could not load the spend" error={cost.error} onRetry={() => void cost.refetch()} />
      ) : cost.data.rows.length === 0 ? (
        <EmptyState title="No calls in this range" />
      ) : (
        <div tabIndex={0} className="-mx-4 overflow-x-auto sm:mx-0">
          <table className="w-full min-w-[20rem] text-left text-sm" aria-labelledby={id}>
            <thead className="border-b border-border text-xs uppercase tracking-wide text-muted">
              <tr>
                <th scope="col" className="px-4 py-2 font-medium sm:px-2">{dimension}</th>
                <th scope="col" className="px-2 py-2 text-right font-medium">Calls</th>
                <th scope="col" className="px-2 py-2 text-right font-medium">Tokens in / out</th>
                <th scope="col" className="px-2 py-2 text-right font-medium">Spend</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-border">
              {[...cost.data.rows]
                .sort((a, b) => Number(b.cost_usd) - Number(a.cost_usd))
                .map((row) => (
                  <tr key={row.key}>
                    <td className="px-4 py-2 sm:px-2">
                      <KeyCell dimension={dimension} value={row.key} label={row.label} />
                    </td>
                    <td className="px-2 py-2 text-right tabular-nums">{row.calls.toLocaleString()}</td>
                    <td className="px-2 py-2 text-right tabular-nums text-muted">
                      {row.input_tokens.toLocaleString()} / {row.output_tokens.toLocaleString()}
                    </td>
                    <td className="px-2 py-2 text-right tabular-nums">{formatUsd(row.cost_usd)}</td>
                  </tr>
                ))}
            </tbody>
            <tfoot className="border-t border-border font-medium">
              <tr>
                <th scope="row" colSpan={3} className="px-4 py-2 text-left sm:px-2">Total</th>
                <td className="px-2 py-2 text-right tabular-nums">{formatUsd(cost.data.total_usd)}</td>
              </tr>
            </tfoot>
          </table>
        </div>
      )}
    </Card>
  );
}
