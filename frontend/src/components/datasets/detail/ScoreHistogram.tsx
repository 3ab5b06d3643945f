"use client";

import { Bar, BarChart, CartesianGrid, Cell, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";

import { AXIS_TICK, TOOLTIP_STYLE } from "@/components/charts/chartStyle";
import { Card } from "@/components/ui/Card";
import { EmptyState } from "@/components/ui/StateViews";
import type { DatasetDetail } from "@/hooks/queries/datasets";

type Bucket = DatasetDetail["stats"]["score_histogram"][number];

/** Red for the scores a quality filter would drop, amber for borderline, green for keepers. */
function colour(bucket: Bucket): string {
  if (bucket.lower >= 7) return "var(--ok)";
  if (bucket.lower >= 5) return "var(--warn)";
  return "var(--danger)";
}

/** How many examples of the current version have each judge score (0–10, in buckets of 1). */
export function ScoreHistogram({ stats }: { stats: DatasetDetail["stats"] }) {
  const rows = stats.score_histogram.map((b) => ({ ...b, range: `${b.lower}–${b.upper}` }));
  const scored = rows.reduce((sum, r) => sum + r.count, 0);
  const summary = rows
    .filter((r) => r.count > 0)
    .map((r) => `${r.count} between ${r.range}`)
    .join(", ");
  return (
    <Card
      className="flex h-full flex-col"
      title="Judge scores"
      labelledBy="score-histogram-title"
      aside={
        <span className="text-xs text-muted">
          {scored.toLocaleString()} scored · {stats.unscored.toLocaleString()} unscored
        </span>
      }
    >
      {scored === 0 ? (
        <EmptyState title="No example has a judge score yet">
          Scores come from a generation job&apos;s judge, or with rows uploaded from a file that{" "}
          <code className="font-mono">distillery generate</code> wrote.
        </EmptyState>
      ) : (
        <figure role="img" aria-label={`Judge scores: ${summary}`} className="min-h-64 w-full flex-1 min-w-0 overflow-hidden">
          <ResponsiveContainer width="100%" height="100%">
            <BarChart data={rows} margin={{ top: 8, right: 8, bottom: 0, left: -16 }}>
              <CartesianGrid vertical={false} stroke="var(--border)" />
              <XAxis dataKey="range" tickLine={false} axisLine={false} tick={AXIS_TICK} interval="preserveStartEnd" />
              <YAxis allowDecimals={false} tickLine={false} axisLine={false} tick={AXIS_TICK} />
              <Tooltip {...TOOLTIP_STYLE} />
              <Bar dataKey="count" name="Examples" radius={[4, 4, 0, 0]} isAnimationActive={false}>
                {rows.map((row) => (
                  <Cell key={row.range} fill={colour(row)} />
                ))}
              </Bar>
            </BarChart>
          </ResponsiveContainer>
        </figure>
      )}
    </Card>
  );
}
