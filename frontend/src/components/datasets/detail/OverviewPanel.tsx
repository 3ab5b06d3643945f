import { DatasetSavingsCard } from "@/components/savings/SavingsCards";
import { Card } from "@/components/ui/Card";
import type { DatasetDetail } from "@/hooks/queries/datasets";
import { formatPercent } from "@/lib/format";

import { CountsChart } from "./CountsChart";
import { ScenarioChart } from "./ScenarioChart";
import { ScoreHistogram } from "./ScoreHistogram";

function Stat({ label, value, caption }: { label: string; value: string; caption?: string }) {
  return (
    <div className="min-w-0 rounded-xl border border-border bg-surface p-4 shadow-sm">
      <dt className="text-xs font-medium uppercase tracking-wide text-muted">{label}</dt>
      <dd className="mt-1 text-2xl font-semibold tabular-nums text-fg">{value}</dd>
      {caption && (
        <dd className="mt-0.5 truncate text-xs text-muted" title={caption}>
          {caption}
        </dd>
      )}
    </div>
  );
}

/** The current version at a glance: size, version, scoring coverage, score and stage distributions. */
export function OverviewPanel({ dataset }: { dataset: DatasetDetail }) {
  const { stats } = dataset;
  const scored = stats.example_count - stats.unscored;
  const share = stats.example_count > 0 ? formatPercent((100 * scored) / stats.example_count) : "—";
  return (
    <div className="space-y-4">
      <section aria-label="Statistics">
        <dl className="grid grid-cols-2 gap-3 lg:grid-cols-4">
          <Stat label="Examples" value={stats.example_count.toLocaleString()} caption="in the current version" />
          <Stat label="Version" value={`v${dataset.version}`} caption={stats.current_version?.reason} />
          <Stat
            label="Judge-scored"
            value={share}
            caption={`${scored.toLocaleString()} of ${stats.example_count.toLocaleString()}`}
          />
          <Stat
            label="Stages"
            value={String(Object.keys(stats.by_stage).length)}
            caption={Object.keys(stats.by_stage).join(", ") || "none"}
          />
        </dl>
      </section>
      <div className="grid gap-4 lg:grid-cols-3">
        <div className="min-w-0 lg:col-span-2">
          <ScoreHistogram stats={stats} />
        </div>
        <div className="flex min-w-0 flex-col gap-4">
          <CountsChart
            title="Examples by stage"
            id="stage-chart-title"
            counts={stats.by_stage}
            empty="No examples yet"
          />
          <CountsChart
            title="Examples by status"
            id="status-chart-title"
            counts={stats.by_status}
            empty="No examples yet"
          />
        </div>
      </div>
      <ScenarioChart datasetId={dataset.id} />
      <DatasetSavingsCard datasetId={dataset.id} />
      {dataset.description && (
        <Card title="Description" labelledBy="dataset-description-title">
          <p className="whitespace-pre-wrap text-sm text-fg">{dataset.description}</p>
        </Card>
      )}
    </div>
  );
}
