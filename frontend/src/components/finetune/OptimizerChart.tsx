"use client";

import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";

import { AXIS_TICK, TOOLTIP_STYLE } from "@/components/charts/chartStyle";
import { EmptyState } from "@/components/ui/StateViews";

type Point = { step: number; lr: number | null; gradNorm: number | null };

const value = (v: number | null | undefined) => (typeof v === "number" && Number.isFinite(v) ? v : null);

/** The training points of the API's curve rows, [step, train loss, held-out loss, lr, grad norm]. */
export function optimizerPoints(curve: (number | null)[][]): Point[] {
  return curve
    .filter((row) => typeof row[0] === "number" && row.length >= 5)
    .map((row) => ({ step: row[0] as number, lr: value(row[3]), gradNorm: value(row[4]) }));
}

/** Learning rate (left axis) and gradient norm before clipping (right axis) per step. */
export function OptimizerChart({ curve }: { curve: (number | null)[][] }) {
  const points = optimizerPoints(curve);
  if (points.length === 0) {
    return <EmptyState title="No steps measured yet">The learning rate and gradient norm appear after the first step.</EmptyState>;
  }
  const latest = points[points.length - 1];
  const summary = [
    `Learning rate and gradient norm over ${points.length} steps`,
    latest?.lr == null ? null : `latest learning rate ${latest.lr.toExponential(2)}`,
    latest?.gradNorm == null ? null : `latest gradient norm ${latest.gradNorm.toFixed(3)}`,
  ].filter(Boolean);
  return (
    <figure role="img" aria-label={summary.join(", ")} className="h-60 w-full min-w-0 overflow-hidden" data-testid="optimizer-chart">
      <ResponsiveContainer width="100%" height="100%">
        <LineChart data={points} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
          <CartesianGrid vertical={false} stroke="var(--border)" />
          <XAxis dataKey="step" type="number" domain={["dataMin", "dataMax"]} allowDecimals={false} tickLine={false} axisLine={false} tick={AXIS_TICK} />
          <YAxis yAxisId="lr" tickLine={false} axisLine={false} tick={AXIS_TICK} width={60} tickFormatter={(v: number) => v.toExponential(1)} />
          <YAxis yAxisId="norm" orientation="right" tickLine={false} axisLine={false} tick={AXIS_TICK} width={44} tickFormatter={(v: number) => v.toFixed(1)} />
          <Tooltip {...TOOLTIP_STYLE} cursor={{ stroke: "var(--border)" }} formatter={(v) => Number(v).toPrecision(3)} labelFormatter={(s) => `Step ${String(s)}`} />
          <Legend wrapperStyle={{ fontSize: 12, color: "var(--muted)" }} />
          <Line yAxisId="lr" name="Learning rate" dataKey="lr" stroke="var(--accent)" strokeWidth={2} dot={points.length < 30} isAnimationActive={false} />
          <Line yAxisId="norm" name="Gradient norm" dataKey="gradNorm" stroke="var(--warn)" strokeWidth={2} dot={points.length < 30} connectNulls isAnimationActive={false} />
        </LineChart>
      </ResponsiveContainer>
    </figure>
  );
}
