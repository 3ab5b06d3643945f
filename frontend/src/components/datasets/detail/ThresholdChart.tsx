"use client";

import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";

import { AXIS_TICK, TOOLTIP_STYLE } from "@/components/charts/chartStyle";
import type { ThresholdPoint } from "@/hooks/queries/threshold";

const WIDTH = 5; // steps of 0.1 per bar: bars half a point wide

type Bucket = { range: string; kept: number; removed: number };

/**
 * Scored rows per half point of score, split at the threshold into the part kept and the part removed.
 * `points[i].kept` counts the rows scoring at least `i / 10`, so a bucket's rows are a difference of two.
 */
export function buckets(points: ThresholdPoint[], index: number): Bucket[] {
  const atLeast = (i: number) => (i < points.length ? (points[i]?.kept ?? 0) : 0);
  const last = points.length - 1;
  const out: Bucket[] = [];
  for (let lo = 0; lo < last; lo += WIDTH) {
    // The last bucket holds the top score too (10 is kept by every threshold up to 10).
    const hi = lo + WIDTH >= last ? last + 1 : lo + WIDTH;
    const cut = Math.min(Math.max(index, lo), hi);
    out.push({
      range: `${lo / 10}–${Math.min(hi, last) / 10}`,
      removed: atLeast(lo) - atLeast(cut),
      kept: atLeast(cut) - atLeast(hi),
    });
  }
  return out;
}

/** The histogram of judge scores, coloured by what the chosen minimum score keeps and removes. */
export function ThresholdChart({ points, index, label }: { points: ThresholdPoint[]; index: number; label: string }) {
  const rows = buckets(points, index);
  return (
    <figure role="img" aria-label={label} className="h-56 w-full min-w-0 overflow-hidden">
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={rows} margin={{ top: 8, right: 8, bottom: 0, left: -16 }}>
          <CartesianGrid vertical={false} stroke="var(--border)" />
          <XAxis dataKey="range" tickLine={false} axisLine={false} tick={AXIS_TICK} interval={1} />
          <YAxis allowDecimals={false} tickLine={false} axisLine={false} tick={AXIS_TICK} />
          <Tooltip {...TOOLTIP_STYLE} />
          <Legend wrapperStyle={{ fontSize: 12 }} />
          <Bar dataKey="removed" name="Removed" stackId="rows" fill="var(--danger)" isAnimationActive={false} />
          <Bar dataKey="kept" name="Kept" stackId="rows" fill="var(--ok)" radius={[4, 4, 0, 0]} isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </figure>
  );
}
