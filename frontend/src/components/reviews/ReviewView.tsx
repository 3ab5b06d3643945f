"use client";

import Link from "next/link";
import { useState } from "react";

import { canChange, canCreate } from "@/components/datasets/constants";
import { datasetHref } from "@/components/datasets/links";
import { Button } from "@/components/ui/Button";
import { PageHeader } from "@/components/ui/PageHeader";
import { LoadingRegion, Skeleton } from "@/components/ui/Skeleton";
import { EmptyState, ErrorState } from "@/components/ui/StateViews";
import { useMe } from "@/hooks/queries/auth";
import { useDataset, type DatasetDetail } from "@/hooks/queries/datasets";
import { useReviewNext } from "@/hooks/queries/reviews";
import { useSearchState } from "@/hooks/useSearchState";

import { AssignmentsCard } from "./AssignmentsCard";
import { ReviewCard } from "./ReviewCard";
import { ReviewProgressCard } from "./ReviewProgressCard";

const BACK = (
  <Link href="/datasets/" className="text-sm font-medium text-accent hover:underline">
    Back to the datasets
  </Link>
);

function Queue({ dataset, canDecide }: { dataset: DatasetDetail; canDecide: boolean }) {
  // Skipping moves past a row without deciding: the queue then starts after its position.
  const [after, setAfter] = useState<number | null>(null);
  const next = useReviewNext(dataset.id, after);
  if (next.isPending)
    return (
      <LoadingRegion label="Loading the next row…">
        <Skeleton className="h-72 w-full" />
      </LoadingRegion>
    );
  if (next.isError)
    return (
      <ErrorState title="Could not load the next row" error={next.error} onRetry={() => void next.refetch()} retrying={next.isFetching} />
    );
  const example = next.data.example;
  if (!example)
    return after !== null && next.data.pending > 0 ? (
      <EmptyState title="No row left after the skipped ones" action={<Button onClick={() => setAfter(null)}>Start again from the top</Button>}>
        {next.data.pending} row{next.data.pending === 1 ? " you skipped is" : "s you skipped are"} still pending.
      </EmptyState>
    ) : (
      <EmptyState title="Every row of this version is decided">
        Apply the decisions to make a new version, or come back when the dataset has new rows.
      </EmptyState>
    );
  return (
    <div className="space-y-2">
      <p className="text-sm text-muted" aria-live="polite">
        {next.data.pending} row{next.data.pending === 1 ? "" : "s"} {next.data.assigned ? "assigned to you and " : ""}pending
        for you in v{next.data.version}. Keys: a accept,
        r reject, e edit, s or n skip to the next row, 1 to 5 rate.
      </p>
      <ReviewCard
        key={example.id}
        datasetId={dataset.id}
        example={example}
        label={next.data.label ?? null}
        labels={next.data.labels ?? null}
        canDecide={canDecide}
        onSkip={() => setAfter(example.position)}
      />
    </div>
  );
}

/** The review queue of a dataset: one row at a time, decided by keyboard, applied as one new version. */
export function ReviewView() {
  const { params } = useSearchState();
  const id = params.get("id") ?? "";
  const dataset = useDataset(id);
  const me = useMe();
  if (!id)
    return (
      <EmptyState title="No dataset chosen" action={BACK}>
        Open a dataset from the list, then its review.
      </EmptyState>
    );
  if (dataset.isPending)
    return (
      <LoadingRegion label="Loading the dataset…">
        <Skeleton className="h-96 w-full" />
      </LoadingRegion>
    );
  if (dataset.isError)
    return <ErrorState title="Could not load the dataset" error={dataset.error} onRetry={() => void dataset.refetch()} retrying={dataset.isFetching} />;
  const data = dataset.data;
  return (
    <>
      <nav aria-label="Breadcrumb" className="mb-2 text-sm text-muted">
        <Link href="/datasets/" className="hover:text-fg hover:underline">
          Datasets
        </Link>
        <span aria-hidden="true"> / </span>
        <Link href={datasetHref(data.id)} className="hover:text-fg hover:underline">
          {data.name}
        </Link>
        <span aria-hidden="true"> / </span>
        <span aria-current="page" className="text-fg">
          Review
        </span>
      </nav>
      <PageHeader title={`Review ${data.name}`} description="Decide on each row; nothing changes until you apply the decisions as a new version." />
      <div className="grid gap-5 xl:grid-cols-[3fr_1fr]">
        <Queue dataset={data} canDecide={canCreate(me.data)} />
        <div className="space-y-5">
          <ReviewProgressCard datasetId={data.id} canApply={canChange(me.data, data)} writing={data.status === "generating"} />
          <AssignmentsCard datasetId={data.id} canAssign={canChange(me.data, data)} />
          <p className="text-sm text-muted">
            The reviewed rows calibrate the judge:{" "}
            <Link href={datasetHref(data.id, "threshold")} className="font-medium text-accent hover:underline">
              Calibrate the judge
            </Link>{" "}
            beside the threshold slider.
          </p>
        </div>
      </div>
    </>
  );
}
