"use client";

import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";

import { AXIS_TICK, TOOLTIP_STYLE } from "@/components/charts/chartStyle";
import { Card } from "@/components/ui/Card";
import { EmptyState } from "@/components/ui/StateViews";

type CountsChartProps = { title: string; id: string; counts: Record<string, number>; empty: string };

/** Examples per value of one field (stage, status), largest first, as horizontal bars. */
export function CountsChart({ title, id, counts, empty }: CountsChartProps) {
  const rows = Object.entries(counts)
    .map(([name, count]) => ({ name, count }))
    .sort((a, b) => b.count - a.count);
  const summary = rows.map((r) => `${r.count} ${r.name}`).join(", ");
  return (
    <Card title={title} labelledBy={id}>
      {rows.length === 0 ? (
        <EmptyState title={empty} />
      ) : (
        <figure
          role="img"
          aria-label={`${title}: ${summary}`}
          style={{ height: 48 + rows.length * 36 }}
          className="w-full min-w-0 overflow-hidden"
        >
          <ResponsiveContainer width="100%" height="100%">
            <BarChart data={rows} layout="vertical" margin={{ top: 0, right: 16, bottom: 0, left: 8 }}>
              <CartesianGrid horizontal={false} stroke="var(--border)" />
              <XAxis type="number" allowDecimals={false} tickLine={false} axisLine={false} tick={AXIS_TICK} />
              <YAxis type="category" dataKey="name" width={96} tickLine={false} axisLine={false} tick={AXIS_TICK} />
              <Tooltip {...TOOLTIP_STYLE} />
              <Bar
                dataKey="count"
                name="Examples"
                fill="var(--accent)"
                radius={[0, 4, 4, 0]}
                maxBarSize={24}
                isAnimationActive={false}
              />
            </BarChart>
          </ResponsiveContainer>
        </figure>
      )}
    </Card>
  );
}
