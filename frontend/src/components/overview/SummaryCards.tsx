"use client";

import { Card } from "@/components/ui/Card";
import { Meter } from "@/components/ui/Meter";
import { Skeleton } from "@/components/ui/Skeleton";
import { ErrorState } from "@/components/ui/StateViews";
import { useSummary, type Summary } from "@/hooks/queries/analytics";
import { formatUsd } from "@/lib/money";

function Figure({ id, label, value, note }: { id: string; label: string; value: string; note?: React.ReactNode }) {
  return (
    <Card title={label} labelledBy={`summary-${id}`}>
      <p className="text-2xl font-semibold tabular-nums text-fg" data-testid={`summary-${id}`}>
        {value}
      </p>
      {note && <div className="mt-1 text-xs text-muted">{note}</div>}
    </Card>
  );
}

function SpendNote({ summary }: { summary: Summary }) {
  const limit = summary.budget_limit_usd === null ? null : Number(summary.budget_limit_usd);
  if (limit === null || limit <= 0) return <>since {summary.month_start} · no global budget</>;
  const spent = Number(summary.budget_spent_usd);
  return (
    <Meter
      label="Global budget used"
      percent={(spent / limit) * 100}
      valueText={`${formatUsd(spent)} of ${formatUsd(limit)}`}
    />
  );
}

/** Distillation at a glance: what there is, what it cost this month, how good it is. */
export function SummaryCards() {
  const summary = useSummary();
  if (summary.isPending) {
    return (
      <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
        {[0, 1, 2, 3].map((i) => (
          <Skeleton key={i} className="h-28" />
        ))}
      </div>
    );
  }
  if (summary.isError) {
    return <ErrorState title="Could not load the summary" error={summary.error} onRetry={() => void summary.refetch()} />;
  }
  const data = summary.data;
  return (
    <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
      <Figure id="datasets" label="Datasets" value={data.datasets.toLocaleString()} />
      <Figure id="examples" label="Examples" value={data.examples.toLocaleString()} note="in the current versions" />
      <Figure
        id="spend"
        label="Spent this month"
        value={formatUsd(data.spent_this_month_usd)}
        note={<SpendNote summary={data} />}
      />
      <Figure
        id="quality"
        label="Average quality"
        value={data.average_score === null ? "—" : `${data.average_score.toFixed(1)} / 10`}
        note="judge score of every scored row"
      />
    </div>
  );
}
