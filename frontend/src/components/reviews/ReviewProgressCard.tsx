"use client";

import { Button } from "@/components/ui/Button";
import { Card } from "@/components/ui/Card";
import { FormError } from "@/components/ui/Field";
import { Skeleton } from "@/components/ui/Skeleton";
import { ErrorState } from "@/components/ui/StateViews";
import { useApplyReview, useReviewProgress } from "@/hooks/queries/reviews";
import { errorMessage } from "@/lib/api/client";

const rows = (n: number) => `${n.toLocaleString()} row${n === 1 ? "" : "s"}`;

type Props = { datasetId: string; canApply: boolean; writing: boolean };

/** How far the review is, per status and reviewer, and the one button that turns the decisions into a version. */
export function ReviewProgressCard({ datasetId, canApply, writing }: Props) {
  const progress = useReviewProgress(datasetId);
  const apply = useApplyReview(datasetId);
  if (progress.isPending) return <Skeleton className="h-32 w-full" />;
  if (progress.isError)
    return (
      <ErrorState
        title="Could not load the review's progress"
        error={progress.error}
        onRetry={() => void progress.refetch()}
        retrying={progress.isFetching}
      />
    );
  const data = progress.data;
  const decided = data.example_count - data.pending;
  const percent = data.example_count ? Math.round((100 * decided) / data.example_count) : 0;
  const why = !canApply
    ? "Only the dataset's owner, or an admin, can apply the decisions."
    : writing
      ? "A job is writing this dataset: apply when it has finished."
      : data.to_apply === 0
        ? "No decision rejects or edits a row yet."
        : null;
  return (
    <Card title="Progress" labelledBy="review-progress-title">
      <div className="mb-1 flex justify-between text-sm">
        <span id="review-progress-label" className="font-medium text-fg">
          {decided.toLocaleString()} of {rows(data.example_count)} decided
        </span>
        <span className="tabular-nums text-muted">{percent} %</span>
      </div>
      <div
        role="progressbar"
        aria-labelledby="review-progress-label"
        aria-valuemin={0}
        aria-valuemax={data.example_count}
        aria-valuenow={decided}
        className="h-2 w-full overflow-hidden rounded-full bg-surface-muted"
      >
        <div className="h-full bg-accent" style={{ width: `${percent}%` }} />
      </div>
      <dl aria-label="Rows by decision" className="mt-3 grid grid-cols-2 gap-2 text-sm">
        {(["pending", "accepted", "rejected", "edited"] as const).map((status) => (
          <div key={status}>
            <dt className="text-xs capitalize text-muted">{status}</dt>
            <dd className="font-semibold tabular-nums text-fg">{data[status].toLocaleString()}</dd>
          </div>
        ))}
      </dl>
      {data.reviewers.length > 0 && (
        <ul aria-label="Decisions by reviewer" className="mt-3 space-y-1 text-xs text-muted">
          {data.reviewers.map((r) => (
            <li key={r.reviewer_id}>
              <span className="text-fg">{r.email}</span>: {r.accepted} accepted, {r.rejected} rejected, {r.edited}{" "}
              edited
            </li>
          ))}
        </ul>
      )}
      <div className="mt-4 flex flex-wrap items-center gap-3">
        <Button
          variant="primary"
          disabled={why !== null || apply.isPending}
          aria-describedby={why ? "review-apply-why" : undefined}
          onClick={() => apply.mutate(data.version)}
        >
          {apply.isPending ? "Applying…" : `Apply ${data.to_apply} decision${data.to_apply === 1 ? "" : "s"} as v${data.version + 1}`}
        </Button>
        {why && (
          <p id="review-apply-why" className="text-sm text-muted">
            {why}
          </p>
        )}
      </div>
      {apply.isError && <FormError>{errorMessage(apply.error)}</FormError>}
      {apply.isSuccess && (
        <p role="status" className="mt-2 text-sm text-fg">
          Saved v{apply.data.version}: {rows(apply.data.affected)} changed, {rows(apply.data.example_count)} now.
        </p>
      )}
    </Card>
  );
}
