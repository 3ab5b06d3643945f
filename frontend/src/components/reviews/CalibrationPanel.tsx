"use client";

import Link from "next/link";

import { Button } from "@/components/ui/Button";
import { Card } from "@/components/ui/Card";
import { LoadingRegion, Skeleton } from "@/components/ui/Skeleton";
import { EmptyState, ErrorState } from "@/components/ui/StateViews";
import { useCalibration, type Calibration } from "@/hooks/queries/reviews";
import { useDebounced } from "@/hooks/useDebounced";
import { ApiError } from "@/lib/api/client";

import { CriteriaTable, fixed, LabelsTable, percent, rows } from "./CalibrationDetails";


function Stat({ label, value, caption }: { label: string; value: string; caption: string }) {
  return (
    <div className="min-w-0 rounded-lg border border-border p-3">
      <dt className="text-xs font-medium uppercase tracking-wide text-muted">{label}</dt>
      <dd className="text-2xl font-semibold tabular-nums text-fg">{value}</dd>
      <dd className="text-xs text-muted">{caption}</dd>
    </div>
  );
}

function ConfusionTable({ data }: { data: Calibration }) {
  const at = data.threshold.toFixed(1);
  const m = data.confusion;
  const cell = "border border-border px-3 py-2 text-right tabular-nums";
  const head = "border border-border px-3 py-2 text-left font-medium";
  return (
    <div className="overflow-x-auto">
      <table className="w-full min-w-[18rem] border-collapse text-sm">
        <caption className="mb-1 text-left text-xs text-muted">Scored reviewed rows by verdict, judge at {at}</caption>
        <thead>
          <tr className="bg-surface-muted">
            <td className="border border-border" />
            <th scope="col" className={head}>
              Judge keeps (≥ {at})
            </th>
            <th scope="col" className={head}>
              Judge removes (&lt; {at})
            </th>
          </tr>
        </thead>
        <tbody>
          <tr>
            <th scope="row" className={head}>
              Reviewer keeps <span className="font-normal text-muted">(accepted or edited)</span>
            </th>
            <td className={`${cell} text-ok`}>{m.both_keep}</td>
            <td className={`${cell} text-danger`}>{m.human_keep_judge_remove}</td>
          </tr>
          <tr>
            <th scope="row" className={head}>
              Reviewer removes <span className="font-normal text-muted">(rejected)</span>
            </th>
            <td className={`${cell} text-danger`}>{m.human_remove_judge_keep}</td>
            <td className={`${cell} text-ok`}>{m.both_remove}</td>
          </tr>
        </tbody>
      </table>
    </div>
  );
}

function Disagreements({ data }: { data: Calibration }) {
  const at = data.threshold.toFixed(1);
  if (data.disagreement_count === 0)
    return <p className="text-sm text-muted">The judge and the reviewers agree on every scored row at {at}.</p>;
  return (
    <>
      {data.disagreement_count > data.disagreements.length && (
        <p className="text-sm text-muted">The first {data.disagreements.length} of {data.disagreement_count}, by position.</p>
      )}
      <ul aria-label="Disagreements" className="divide-y divide-border rounded-lg border border-border">
        {data.disagreements.map((d) => (
          <li key={d.example_id} className="space-y-1 p-3 text-sm">
            <p className="flex flex-wrap items-baseline gap-x-2 font-medium text-fg">
              <span>
                Row {d.position + 1} · {d.item_key}
              </span>
              {!d.current && <span className="text-xs font-normal text-muted">(no longer in the current version)</span>}
            </p>
            {d.question && <p className="break-words text-muted">{d.question}</p>}
            <p className="text-fg">
              Judge: <strong>{d.human === "keep" ? "remove" : "keep"}</strong> (score {d.score.toFixed(1)}) · Reviewer{" "}
              {d.reviewer}: <strong>{d.human}</strong> ({d.status}
              {d.rating !== null ? `, rated ${d.rating}/5` : ""})
            </p>
            {d.comment && <p className="break-words text-fg">“{d.comment}”</p>}
            {Object.keys(d.reasons).length > 0 && (
              <dl className="grid gap-x-3 text-xs sm:grid-cols-[auto_1fr]">
                {Object.entries(d.reasons).map(([name, value]) => (
                  <div key={name} className="contents">
                    <dt className="font-medium text-muted">{name}</dt>
                    <dd className="break-words text-fg">{typeof value === "string" ? value : JSON.stringify(value)}</dd>
                  </div>
                ))}
              </dl>
            )}
          </li>
        ))}
      </ul>
    </>
  );
}

function Numbers({ data, onUse }: { data: Calibration; onUse: (threshold: number) => void }) {
  const at = data.threshold.toFixed(1);
  const best = data.recommended;
  const there = Math.abs(best.threshold - data.threshold) < 1e-9;
  return (
    <div className="space-y-5">
      <dl aria-label="Agreement with the reviewers" className="grid gap-3 sm:grid-cols-2 lg:grid-cols-4">
        <Stat
          label="Cohen's kappa"
          value={fixed(data.kappa)}
          caption={data.kappa === null ? `undefined at ${at}: one verdict on every row` : `keep/remove at ${at}`}
        />
        <Stat label="Agreement" value={percent(data.agreement)} caption={`of ${rows(data.scored)} at ${at}`} />
        <Stat
          label="Spearman's rho"
          value={fixed(data.spearman)}
          caption={data.spearman === null ? `needs 3 rated rows that vary (${data.rated} rated)` : `rating vs score, ${rows(data.rated)}`}
        />
        <Stat
          label="Gold rows"
          value={data.scored.toLocaleString()}
          caption={data.unscored ? `reviewed and scored; ${data.unscored} unscored left out` : "reviewed and scored"}
        />
      </dl>
      <div className="flex flex-wrap items-center justify-between gap-3 rounded-lg border border-accent/40 bg-accent-soft p-3">
        <p className="text-sm text-fg">
          Recommended threshold <strong className="text-lg tabular-nums">{best.threshold.toFixed(1)}</strong>: κ {fixed(best.kappa)},{" "}
          {percent(best.agreement)} agreement.
        </p>
        <Button variant="primary" disabled={there} onClick={() => onUse(best.threshold)}>
          {there ? "The slider is at the recommended threshold" : "Use recommended threshold"}
        </Button>
      </div>
      <ConfusionTable data={data} />
      <section aria-labelledby="calibration-disagreements" className="space-y-2">
        <h3 id="calibration-disagreements" className="text-sm font-semibold text-fg">
          Where they disagree at {at} ({data.disagreement_count})
        </h3>
        <Disagreements data={data} />
      </section>
      <section aria-labelledby="calibration-criteria" className="space-y-2">
        <h3 id="calibration-criteria" className="text-sm font-semibold text-fg">
          Per criterion
        </h3>
        <CriteriaTable data={data} />
      </section>
      {data.labels && (
        <section aria-labelledby="calibration-labels" className="space-y-2">
          <h3 id="calibration-labels" className="text-sm font-semibold text-fg">
            Labels
          </h3>
          <LabelsTable labels={data.labels} />
        </section>
      )}
    </div>
  );
}

type Props = { datasetId: string; threshold: number; onUse: (threshold: number) => void };

/**
 * The judge calibrated against the reviewed rows at the slider's threshold: kappa, agreement, Spearman's rho,
 * the confusion matrix, the disagreements, and the threshold that agrees best, which moves the slider.
 */
export function CalibrationPanel({ datasetId, threshold, onUse }: Props) {
  // The slider moves in steps: ask once it rests.
  const at = useDebounced(threshold, 250);
  const calibration = useCalibration(datasetId, at);
  const review = `/datasets/review/?id=${encodeURIComponent(datasetId)}`;
  return (
    <Card
      title="Calibrate the judge"
      labelledBy="calibration-title"
      aside={
        <Link href={review} className="text-xs font-medium text-accent hover:underline">
          Review rows
        </Link>
      }
    >
      <p className="mb-4 text-sm text-muted">
        The reviewed rows are the gold set: a reviewer keeps a row by accepting or editing it and removes it by rejecting
        it; the judge keeps the rows scored at or above the threshold.
      </p>
      {calibration.isPending ? (
        <LoadingRegion label="Comparing the judge with the reviewers…">
          <Skeleton className="h-64 w-full" />
        </LoadingRegion>
      ) : calibration.isError ? (
        calibration.error instanceof ApiError && calibration.error.error === "too_few_gold_rows" ? (
          <EmptyState
            title="Too few reviewed rows to calibrate the judge"
            action={
              <Link href={review} className="text-sm font-medium text-accent hover:underline">
                Open the review queue
              </Link>
            }
          >
            {String(calibration.error.detail)}.
          </EmptyState>
        ) : (
          <ErrorState
            title="Could not calibrate the judge"
            error={calibration.error}
            onRetry={() => void calibration.refetch()}
            retrying={calibration.isFetching}
          />
        )
      ) : (
        <Numbers data={calibration.data} onUse={onUse} />
      )}
    </Card>
  );
}
