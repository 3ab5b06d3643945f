"use client";

import { useState } from "react";
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";

import { AXIS_TICK, TOOLTIP_STYLE } from "@/components/charts/chartStyle";
import { Card } from "@/components/ui/Card";
import { Field } from "@/components/ui/Field";
import { Select } from "@/components/ui/Select";
import { Skeleton } from "@/components/ui/Skeleton";
import { EmptyState, ErrorState } from "@/components/ui/StateViews";
import { useDatasetGenerationJob, useScenarioReport } from "@/hooks/queries/jobs";
import type { Schemas } from "@/lib/api/client";
import { formatPercent } from "@/lib/format";

type Report = Schemas["DistributionReport"];

const LABELS: Record<string, string> = { domain: "Domain", subdomain: "Subdomain", language: "Language" };
const label = (key: string) => LABELS[key] ?? key.replaceAll("_", " ").replace(/^./, (c) => c.toUpperCase());

/** The parameter shown first: the first with more than one target value. */
function firstKey(report: Report): string {
  const keys = Object.keys(report.parameters);
  return keys.find((k) => Object.keys(report.parameters[k]?.target_shares ?? {}).length > 1) ?? keys[0] ?? "domain";
}

function Chart({ report }: { report: Report }) {
  const [key, setKey] = useState(() => firstKey(report));
  const parameter = report.parameters[key];
  if (!parameter) return null;
  const values = [...new Set([...Object.keys(parameter.target_shares), ...Object.keys(parameter.shares)])];
  const rows = values.map((value) => ({
    value: value.includes("/") ? value.split("/").slice(1).join("/") : value,
    target: Math.round((parameter.target_shares[value] ?? 0) * 1000) / 10,
    achieved: Math.round((parameter.shares[value] ?? 0) * 1000) / 10,
  }));
  const summary = rows.map((r) => `${r.value}: ${r.achieved}% of ${r.target}% aimed for`).join("; ");
  return (
    <div className="space-y-3">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <Field label="Parameter" htmlFor="scenario-key">
          <Select className="w-56" value={key} onChange={(e) => setKey(e.target.value)}>
            {Object.keys(report.parameters).map((k) => (
              <option key={k} value={k}>
                {label(k)}
              </option>
            ))}
          </Select>
        </Field>
        <p className="text-xs text-muted" data-testid="scenario-distance">
          {parameter.total.toLocaleString()} rows · off target by {formatPercent(parameter.total_variation * 100)}
        </p>
      </div>
      <figure role="img" aria-label={`${label(key)}, achieved against target: ${summary}`} className="h-64 w-full min-w-0 overflow-hidden">
        <ResponsiveContainer width="100%" height="100%">
          <BarChart data={rows} margin={{ top: 8, right: 8, bottom: 0, left: -16 }}>
            <CartesianGrid vertical={false} stroke="var(--border)" />
            <XAxis dataKey="value" tickLine={false} axisLine={false} tick={AXIS_TICK} interval="preserveStartEnd" />
            <YAxis unit="%" tickLine={false} axisLine={false} tick={AXIS_TICK} />
            <Tooltip {...TOOLTIP_STYLE} />
            <Legend />
            <Bar dataKey="target" name="Target %" fill="var(--muted)" isAnimationActive={false} />
            <Bar dataKey="achieved" name="Achieved %" fill="var(--accent)" isAnimationActive={false} />
          </BarChart>
        </ResponsiveContainer>
      </figure>
    </div>
  );
}

/** Scenario distribution of a generated dataset: what its job aimed for against what the rows hold. */
export function ScenarioChart({ datasetId }: { datasetId: string }) {
  const job = useDatasetGenerationJob(datasetId);
  const report = useScenarioReport(job.data?.id ?? null);
  const body = (() => {
    if (job.isPending || (job.data && report.isPending)) return <Skeleton className="h-64 w-full" />;
    if (job.isError) return <ErrorState title="Could not load the dataset's job" error={job.error} onRetry={() => void job.refetch()} />;
    if (!job.data) {
      return (
        <EmptyState title="No scenario targets for this dataset">
          Only a job that draws scenarios from domains has them; uploaded, derived and amplified datasets do not.
        </EmptyState>
      );
    }
    if (report.isError) {
      return <ErrorState title="Could not load the distribution" error={report.error} onRetry={() => void report.refetch()} />;
    }
    if (!report.data || report.data.scenarios === 0) {
      return <EmptyState title="No row carries a scenario yet">The chart fills in as the job accepts rows.</EmptyState>;
    }
    return <Chart report={report.data} />;
  })();
  return (
    <Card title="Scenario distribution" labelledBy="scenario-chart-title">
      {body}
    </Card>
  );
}
