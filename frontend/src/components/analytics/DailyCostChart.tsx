"use client";

import { useState } from "react";
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";

import { AXIS_TICK, TOOLTIP_STYLE } from "@/components/charts/chartStyle";
import { Card } from "@/components/ui/Card";
import { Field } from "@/components/ui/Field";
import { Select } from "@/components/ui/Select";
import { Skeleton } from "@/components/ui/Skeleton";
import { EmptyState, ErrorState } from "@/components/ui/StateViews";
import { useDailyCost, type DateRange, type SeriesDimension } from "@/hooks/queries/analytics";
import { formatUsd } from "@/lib/money";

import { pivotDaily, SERIES_COLOURS, type DailyMetric, type DayRow } from "./series";

const SPLITS: readonly SeriesDimension[] = ["provider", "model", "stage"];

function SplitSelect({ value, onChange }: { value: SeriesDimension; onChange: (v: SeriesDimension) => void }) {
  return (
    <Field label="By" htmlFor="cost-split" orientation="horizontal" labelClassName="font-normal text-muted">
      <Select
        className="w-auto"
        value={value}
        onChange={(e) => onChange(SPLITS.find((s) => s === e.target.value) ?? "provider")}
      >
        {SPLITS.map((s) => (
          <option key={s} value={s}>
            {s}
          </option>
        ))}
      </Select>
    </Field>
  );
}

const sum = (rows: DayRow[], keys: string[]) => rows.reduce((total, row) => total + keys.reduce((s, k) => s + Number(row[k]), 0), 0);

/** Spend per day, stacked by provider, model or stage; tokens per day when every call was free. */
export function DailyCostChart({ range }: { range: DateRange }) {
  const [split, setSplit] = useState<SeriesDimension>("provider");
  const daily = useDailyCost(split, range);
  const spend = pivotDaily(daily.data ?? [], "cost");
  const spent = sum(spend.rows, spend.keys);
  const tokens = pivotDaily(daily.data ?? [], "tokens");
  // Local and unpriced models cost nothing but still did the work: chart their tokens, not an empty plot.
  const metric: DailyMetric = spent === 0 && sum(tokens.rows, tokens.keys) > 0 ? "tokens" : "cost";
  const { rows, keys } = metric === "cost" ? spend : tokens;
  const total = sum(rows, keys);
  const format = metric === "cost" ? (v: number) => formatUsd(v) : (v: number) => formatTokens(v);
  return (
    <Card title="Spend over time" labelledBy="daily-cost-title" aside={<SplitSelect value={split} onChange={setSplit} />}>
      {daily.isPending ? (
        <Skeleton className="h-64 w-full" />
      ) : daily.isError && !daily.data ? (
        <ErrorState title="Could not load the spend per day" error={daily.error} onRetry={() => void daily.refetch()} />
      ) : total === 0 ? (
        <EmptyState title="No spend in this range">Calls to models appear here, one bar per day.</EmptyState>
      ) : (
        <>
          {metric === "tokens" && (
            <p className="mb-2 text-sm text-muted" data-testid="free-run-note">
              Every call in this range was free ($0.00): local or unpriced models. The bars count tokens (in + out) instead.
            </p>
          )}
          <figure
            role="img"
            aria-label={`${metric === "cost" ? "Spend" : "Tokens"} per day by ${split}: ${format(total)} over ${rows.length} days across ${keys.join(", ")}`}
            className="h-72 w-full min-w-0 overflow-hidden"
          >
            <ResponsiveContainer width="100%" height="100%">
              <BarChart data={rows} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
                <CartesianGrid vertical={false} stroke="var(--border)" />
                <XAxis dataKey="day" tickLine={false} axisLine={false} tick={AXIS_TICK} />
                <YAxis tickLine={false} axisLine={false} tick={AXIS_TICK} tickFormatter={format} width={64} />
                <Tooltip {...TOOLTIP_STYLE} formatter={(v) => format(Number(v))} />
                <Legend wrapperStyle={{ fontSize: 12, color: "var(--muted)" }} />
                {keys.map((key, i) => (
                  <Bar key={key} dataKey={key} stackId="cost" fill={SERIES_COLOURS[i % SERIES_COLOURS.length]} isAnimationActive={false} />
                ))}
              </BarChart>
            </ResponsiveContainer>
          </figure>
        </>
      )}
    </Card>
  );
}

function formatTokens(value: number): string {
  return `${value.toLocaleString()} tokens`;
}
