"use client";

import Link from "next/link";
import { Bar, BarChart, CartesianGrid, Cell, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";

import { Card } from "@/components/ui/Card";
import { EmptyState } from "@/components/ui/StateViews";
import { TASK_STATUSES } from "@/hooks/queries/tasks";

const COLORS: Record<string, string> = {
  queued: "var(--muted)",
  running: "var(--info)",
  succeeded: "var(--ok)",
  failed: "var(--danger)",
};

type Row = { status: string; count: number };

/** Known statuses always (so the axis does not jump), plus any status a newer API adds. */
function toRows(counts: Record<string, number>): Row[] {
  const extra = Object.keys(counts).filter((s) => !(TASK_STATUSES as readonly string[]).includes(s));
  return [...TASK_STATUSES, ...extra].map((status) => ({ status, count: counts[status] ?? 0 }));
}

export function TasksByStatusChart({ counts }: { counts: Record<string, number> }) {
  const rows = toRows(counts);
  const total = rows.reduce((sum, row) => sum + row.count, 0);
  const summary = rows.map((r) => `${r.count} ${r.status}`).join(", ");
  return (
    <Card
      // Grows to the height of the column beside it; the chart takes the extra room.
      className="flex flex-1 flex-col"
      title="Background tasks by status"
      labelledBy="tasks-chart-title"
      aside={
        <Link href="/tasks/" className="text-sm font-medium text-accent hover:underline">
          View tasks
        </Link>
      }
    >
      {total === 0 ? (
        <EmptyState title="No background tasks yet">
          Tasks appear here once work is queued. Try the worker diagnostic on the Tasks page.
        </EmptyState>
      ) : (
        <figure role="img" aria-label={`Tasks by status: ${summary}`} className="min-h-56 w-full flex-1 min-w-0 overflow-hidden">
          <ResponsiveContainer width="100%" height="100%">
            <BarChart data={rows} margin={{ top: 8, right: 8, bottom: 0, left: -16 }}>
              <CartesianGrid vertical={false} stroke="var(--border)" />
              <XAxis dataKey="status" tickLine={false} axisLine={false} tick={{ fill: "var(--muted)", fontSize: 12 }} />
              <YAxis allowDecimals={false} tickLine={false} axisLine={false} tick={{ fill: "var(--muted)", fontSize: 12 }} />
              <Tooltip
                cursor={{ fill: "var(--surface-muted)" }}
                contentStyle={{
                  background: "var(--surface)",
                  border: "1px solid var(--border)",
                  borderRadius: 8,
                  color: "var(--fg)",
                  fontSize: 12,
                }}
                labelStyle={{ color: "var(--fg)", fontWeight: 600 }}
              />
              <Bar dataKey="count" name="Tasks" radius={[4, 4, 0, 0]} maxBarSize={56} isAnimationActive={false}>
                {rows.map((row) => (
                  <Cell key={row.status} fill={COLORS[row.status] ?? "var(--accent)"} />
                ))}
              </Bar>
            </BarChart>
          </ResponsiveContainer>
        </figure>
      )}
    </Card>
  );
}
