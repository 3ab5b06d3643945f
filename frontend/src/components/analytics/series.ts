import type { DailyPoint } from "@/hooks/queries/analytics";

/** Series colours: the theme's first, then fixed hues readable on both light and dark surfaces. */
export const SERIES_COLOURS = ["var(--accent)", "var(--info)", "var(--ok)", "var(--warn)", "var(--danger)", "#a855f7", "#db2777", "#0d9488"];

export type DayRow = { day: string } & Record<string, number | string>;

/** What a day's bar measures: dollars, or tokens (in + out) when every call was free. */
export type DailyMetric = "cost" | "tokens";

function measure(point: DailyPoint, metric: DailyMetric): number {
  return metric === "cost" ? Number(point.cost_usd) : (point.input_tokens ?? 0) + (point.output_tokens ?? 0);
}

/** Long rows (day, key, cost) to one row per day with a column per series, days in order. */
export function pivotDaily(points: DailyPoint[], metric: DailyMetric = "cost"): { rows: DayRow[]; keys: string[] } {
  const keys = [...new Set(points.map((p) => p.key))].sort();
  const byDay = new Map<string, DayRow>();
  for (const point of points) {
    const row = byDay.get(point.day) ?? { day: point.day };
    row[point.key] = Number(row[point.key] ?? 0) + measure(point, metric);
    byDay.set(point.day, row);
  }
  const rows = [...byDay.values()].sort((a, b) => a.day.localeCompare(b.day));
  for (const row of rows) for (const key of keys) row[key] ??= 0;
  return { rows, keys };
}
