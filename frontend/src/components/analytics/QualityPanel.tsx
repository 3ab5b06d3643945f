"use client";

import { Bar, BarChart, CartesianGrid, Cell, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";

import { AXIS_TICK, TOOLTIP_STYLE } from "@/components/charts/chartStyle";
import { ProgressBar } from "@/components/jobs/ProgressBar";
import { Card } from "@/components/ui/Card";
import { Skeleton } from "@/components/ui/Skeleton";
import { EmptyState, ErrorState } from "@/components/ui/StateViews";
import { useQuality, type DateRange, type QualityReport } from "@/hooks/queries/analytics";

function scoreColour(score: number): string {
  if (score >= 7) return "var(--ok)";
  if (score >= 4) return "var(--warn)";
  return "var(--danger)";
}

function Histogram({ report }: { report: QualityReport }) {
  const rows = Object.entries(report.score_histogram)
    .map(([score, count]) => ({ score: Number(score), count }))
    .sort((a, b) => a.score - b.score);
  const scored = rows.reduce((sum, r) => sum + r.count, 0);
  if (scored === 0) return <EmptyState title="No judge scores in this range" />;
  const summary = rows.filter((r) => r.count > 0).map((r) => `${r.count} scored ${r.score}`).join(", ");
  return (
    <figure role="img" aria-label={`Judge scores: ${summary}`} className="h-56 w-full min-w-0 overflow-hidden">
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={rows} margin={{ top: 8, right: 8, bottom: 0, left: -16 }}>
          <CartesianGrid vertical={false} stroke="var(--border)" />
          <XAxis dataKey="score" tickLine={false} axisLine={false} tick={AXIS_TICK} />
          <YAxis allowDecimals={false} tickLine={false} axisLine={false} tick={AXIS_TICK} />
          <Tooltip {...TOOLTIP_STYLE} />
          <Bar dataKey="count" name="Rows" radius={[4, 4, 0, 0]} isAnimationActive={false}>
            {rows.map((row) => (
              <Cell key={row.score} fill={scoreColour(row.score)} />
            ))}
          </Bar>
        </BarChart>
      </ResponsiveContainer>
    </figure>
  );
}

function PassRates({ report }: { report: QualityReport }) {
  return (
    <ul className="space-y-3">
      {report.stages.map((stage) => {
        const decided = stage.accepted + stage.rejected + stage.failed;
        const rate = stage.pass_rate === null ? "no rows yet" : `${Math.round(stage.pass_rate * 100)}% accepted`;
        return (
          <li key={stage.stage}>
            <div className="mb-1 flex justify-between text-sm">
              <span className="font-medium text-fg">{stage.stage}</span>
              <span className="tabular-nums text-muted">
                {rate} · {stage.rejected} rejected · {stage.failed} failed
              </span>
            </div>
            <ProgressBar label={`Pass rate of ${stage.stage}`} value={stage.accepted} max={decided} valueText={rate} />
          </li>
        );
      })}
    </ul>
  );
}

function Reasons({ report }: { report: QualityReport }) {
  const reasons = Object.entries(report.rejection_reasons).sort((a, b) => b[1] - a[1]);
  if (reasons.length === 0) return <p className="text-sm text-muted">No row was rejected in this range.</p>;
  return (
    <table className="w-full text-left text-sm" aria-label="Rejection reasons">
      <thead className="text-xs uppercase tracking-wide text-muted">
        <tr>
          <th scope="col" className="py-1 font-medium">Reason</th>
          <th scope="col" className="py-1 text-right font-medium">Rows</th>
        </tr>
      </thead>
      <tbody className="divide-y divide-border">
        {reasons.map(([reason, count]) => (
          <tr key={reason}>
            <td className="break-words py-1.5">{reason}</td>
            <td className="py-1.5 text-right tabular-nums">{count}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Judge score histogram, pass rate per stage and why rows were rejected. */
export function QualityPanel({ range }: { range: DateRange }) {
  const quality = useQuality(range);
  const average = quality.data?.average_score;
  return (
    <Card
      title="Quality"
      labelledBy="quality-title"
      aside={average != null && <span className="text-sm text-muted">average score {average.toFixed(1)}</span>}
    >
      {quality.isPending ? (
        <Skeleton className="h-56 w-full" />
      ) : quality.isError && !quality.data ? (
        <ErrorState title="Could not load the quality report" error={quality.error} onRetry={() => void quality.refetch()} />
      ) : (
        <div className="grid gap-6 lg:grid-cols-3">
          <section aria-label="Judge scores">
            <h3 className="mb-2 text-xs font-semibold uppercase tracking-wide text-muted">Judge scores</h3>
            <Histogram report={quality.data} />
          </section>
          <section aria-label="Pass rate by stage">
            <h3 className="mb-2 text-xs font-semibold uppercase tracking-wide text-muted">Pass rate by stage</h3>
            <PassRates report={quality.data} />
          </section>
          <section aria-label="Rejection reasons">
            <h3 className="mb-2 text-xs font-semibold uppercase tracking-wide text-muted">Rejection reasons</h3>
            <Reasons report={quality.data} />
          </section>
        </div>
      )}
    </Card>
  );
}
