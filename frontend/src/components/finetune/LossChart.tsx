"use client";

import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";

import { AXIS_TICK, TOOLTIP_STYLE } from "@/components/charts/chartStyle";
import { EmptyState } from "@/components/ui/StateViews";

type Point = { step: number; train: number | null; heldout: number | null };

const value = (v: number | null | undefined) => (typeof v === "number" && Number.isFinite(v) ? v : null);

/** The API's curve rows, [step, train loss, held-out loss], as chart points. */
export function curvePoints(curve: (number | null)[][]): Point[] {
  return curve
    .filter((row) => typeof row[0] === "number")
    .map((row) => ({ step: row[0] as number, train: value(row[1]), heldout: value(row[2]) }));
}

function last(points: Point[], key: "train" | "heldout"): number | null {
  for (let i = points.length - 1; i >= 0; i -= 1) {
    const v = points[i]?.[key];
    if (v !== null && v !== undefined) return v;
  }
  return null;
}

/** Train and held-out loss per step; both lines are drawn across gaps (held-out loss is sparse). */
export function LossChart({ curve }: { curve: (number | null)[][] }) {
  const points = curvePoints(curve);
  if (points.length === 0) {
    return <EmptyState title="No loss measured yet">The curve appears after the first training step.</EmptyState>;
  }
  const train = last(points, "train");
  const heldout = last(points, "heldout");
  const summary = [
    `Loss over ${points.length} points up to step ${points[points.length - 1]?.step ?? 0}`,
    train === null ? null : `latest train loss ${train.toFixed(3)}`,
    heldout === null ? null : `latest held-out loss ${heldout.toFixed(3)}`,
  ].filter(Boolean);
  return (
    <figure role="img" aria-label={summary.join(", ")} className="h-72 w-full min-w-0 overflow-hidden" data-testid="loss-chart">
      <ResponsiveContainer width="100%" height="100%">
        <LineChart data={points} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
          <CartesianGrid vertical={false} stroke="var(--border)" />
          <XAxis dataKey="step" type="number" domain={["dataMin", "dataMax"]} allowDecimals={false} tickLine={false} axisLine={false} tick={AXIS_TICK} />
          <YAxis tickLine={false} axisLine={false} tick={AXIS_TICK} width={48} tickFormatter={(v: number) => v.toFixed(2)} domain={["auto", "auto"]} />
          <Tooltip {...TOOLTIP_STYLE} cursor={{ stroke: "var(--border)" }} formatter={(v) => Number(v).toFixed(3)} labelFormatter={(s) => `Step ${String(s)}`} />
          <Legend wrapperStyle={{ fontSize: 12, color: "var(--muted)" }} />
          <Line name="Train loss" dataKey="train" stroke="var(--accent)" strokeWidth={2} dot={points.length < 30} connectNulls isAnimationActive={false} />
          <Line name="Held-out loss" dataKey="heldout" stroke="var(--warn)" strokeWidth={2} strokeDasharray="5 3" dot connectNulls isAnimationActive={false} />
        </LineChart>
      </ResponsiveContainer>
    </figure>
  );
}
