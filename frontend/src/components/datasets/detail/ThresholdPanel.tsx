"use client";

import { useState } from "react";

import { CalibrationPanel } from "@/components/reviews/CalibrationPanel";
import { Button } from "@/components/ui/Button";
import { Card } from "@/components/ui/Card";
import { FormError } from "@/components/ui/Field";
import { LoadingRegion, Skeleton } from "@/components/ui/Skeleton";
import { EmptyState, ErrorState } from "@/components/ui/StateViews";
import type { DatasetDetail } from "@/hooks/queries/datasets";
import { useApplyThreshold, useScoreThresholds, type ScoreThresholds } from "@/hooks/queries/threshold";
import { errorMessage } from "@/lib/api/client";

import { ThresholdChart } from "./ThresholdChart";

const rows = (n: number) => `${n.toLocaleString()} row${n === 1 ? "" : "s"}`;

function Count({ label, value, caption, tone }: { label: string; value: number; caption: string; tone: string }) {
  return (
    <div className="min-w-0 rounded-lg border border-border p-3">
      <dt className="text-xs font-medium uppercase tracking-wide text-muted">{label}</dt>
      <dd className={`text-2xl font-semibold tabular-nums ${tone}`}>{value.toLocaleString()}</dd>
      <dd className="text-xs text-muted">{caption}</dd>
    </div>
  );
}

type PartitionProps = {
  datasetId: string;
  data: ScoreThresholds;
  index: number;
  setIndex: (index: number) => void;
  canEdit: boolean;
  writing: boolean;
  onShowVersions: () => void;
};

function Partition({ datasetId, data, index, setIndex, canEdit, writing, onShowVersions }: PartitionProps) {
  const apply = useApplyThreshold(datasetId);
  const point = data.points[index] ?? { min_score: 0, kept: data.scored, removed: 0 };
  const score = point.min_score.toFixed(1);
  const why = !canEdit
    ? "Only the dataset's owner, or an admin, can apply a threshold."
    : writing
      ? "A job is writing this dataset: apply a threshold when it has finished."
      : point.removed === 0
      ? "No scored row is below this score: move the slider up to remove rows."
      : null;
  const label = `Scored rows per half point: ${point.removed} below ${score} removed, ${point.kept} at or above kept`;
  return (
    <div className="space-y-4">
      <div>
        <div className="flex items-baseline justify-between gap-3">
          <label htmlFor="threshold-slider" className="text-sm font-medium text-fg">
            Minimum judge score
          </label>
          <output htmlFor="threshold-slider" className="text-2xl font-semibold tabular-nums text-fg">
            {score}
          </output>
        </div>
        <input
          id="threshold-slider"
          type="range"
          min={0}
          max={data.points.length - 1}
          step={1}
          value={index}
          aria-valuetext={score}
          aria-describedby="threshold-hint"
          onChange={(e) => setIndex(Number(e.target.value))}
          className="mt-2 w-full accent-[var(--accent)]"
        />
        <p id="threshold-hint" className="flex justify-between text-xs text-muted">
          <span>0</span>
          <span>A row scoring exactly the minimum is kept.</span>
          <span>10</span>
        </p>
      </div>
      <dl aria-live="polite" aria-label="Rows at this threshold" className="grid gap-3 sm:grid-cols-3">
        <Count label="Kept" value={point.kept} caption={`scored ${score} or more`} tone="text-ok" />
        <Count label="Removed" value={point.removed} caption={`scored below ${score}`} tone="text-danger" />
        <Count label="Unscored" value={data.unscored} caption="not judged or sampled out: kept" tone="text-fg" />
      </dl>
      <ThresholdChart points={data.points} index={index} label={label} />
      <div className="flex flex-wrap items-center gap-3">
        <Button
          variant="danger"
          disabled={why !== null || apply.isPending}
          aria-describedby={why ? "threshold-why" : undefined}
          onClick={() => apply.mutate({ min_score: point.min_score, version: data.version })}
        >
          {apply.isPending ? "Applying…" : `Remove ${rows(point.removed)} as v${data.version + 1}`}
        </Button>
        {why && (
          <p id="threshold-why" className="text-sm text-muted">
            {why}
          </p>
        )}
      </div>
      {apply.isError && <FormError>{errorMessage(apply.error)}</FormError>}
      {apply.isSuccess && (
        <p role="status" className="text-sm text-fg">
          Saved v{apply.data.version}: {rows(apply.data.affected)} removed, {rows(apply.data.example_count)} kept.{" "}
          <button type="button" className="font-medium text-accent hover:underline" onClick={onShowVersions}>
            See the versions
          </button>
        </p>
      )}
    </div>
  );
}

/** A minimum judge score chosen with a slider: the rows it keeps and removes, counted live, applied as a version. */
export function ThresholdPanel({ dataset, canEdit, onShowVersions }: { dataset: DatasetDetail; canEdit: boolean; onShowVersions: () => void }) {
  const thresholds = useScoreThresholds(dataset.id);
  // The slider's position (a step of `data.step`), here so that the calibration can move it.
  const [index, setIndex] = useState(0);
  const data = thresholds.data;
  const scored = data !== undefined && data.scored > 0;
  const threshold = data?.points[index]?.min_score ?? 0;
  const moveTo = (value: number) => {
    if (!data) return;
    setIndex(Math.min(data.points.length - 1, Math.max(0, Math.round(value / data.step))));
    document.getElementById("threshold-slider")?.focus();
  };
  return (
    <div className="min-w-0 space-y-5">
      <Card
        title="Keep rows by judge score"
        labelledBy="threshold-title"
        aside={<span className="text-xs text-muted">From the stored scores: no judge is called</span>}
      >
        {thresholds.isPending ? (
          <LoadingRegion label="Counting the scores…">
            <Skeleton className="h-72 w-full" />
          </LoadingRegion>
        ) : thresholds.isError ? (
          <ErrorState
            title="Could not count the scores"
            error={thresholds.error}
            onRetry={() => void thresholds.refetch()}
            retrying={thresholds.isFetching}
          />
        ) : thresholds.data.scored === 0 ? (
          <EmptyState title="No example has a judge score yet">
            A quality check scores every row; then a minimum score can be chosen here.
          </EmptyState>
        ) : (
          <Partition
            datasetId={dataset.id}
            data={thresholds.data}
            index={index}
            setIndex={setIndex}
            canEdit={canEdit}
            writing={dataset.status === "generating"}
            onShowVersions={onShowVersions}
          />
        )}
      </Card>
      {scored && <CalibrationPanel datasetId={dataset.id} threshold={threshold} onUse={moveTo} />}
    </div>
  );
}
