"use client";

import Link from "next/link";

import { dataTypeLabel } from "@/components/datasets/constants";
import { datasetHref } from "@/components/datasets/links";
import { Card } from "@/components/ui/Card";
import { RelativeTime } from "@/components/ui/RelativeTime";
import { LoadingRegion, Skeleton } from "@/components/ui/Skeleton";
import { ErrorState } from "@/components/ui/StateViews";
import { StatusBadge } from "@/components/ui/StatusBadge";
import type { DatasetFilters, useDatasets } from "@/hooks/queries/datasets";

/** What the overview asks for: the newest datasets, first page. */
export const RECENT_DATASETS: DatasetFilters = {
  page: 1,
  pageSize: 5,
  dataType: null,
  domain: null,
  search: "",
  sort: "created_at",
  order: "desc",
};

/** The newest datasets, each linked to its page, with its type, size and age. */
export function RecentDatasets({ datasets }: { datasets: ReturnType<typeof useDatasets> }) {
  return (
    <Card
      title="Recent datasets"
      labelledBy="overview-datasets"
      aside={
        <Link href="/datasets/" className="text-sm font-medium text-accent hover:underline">
          All datasets
        </Link>
      }
    >
      {datasets.isPending ? (
        <LoadingRegion label="Loading the datasets…">
          <Skeleton className="h-24 w-full" />
        </LoadingRegion>
      ) : datasets.isError ? (
        <ErrorState
          title="Could not load the datasets"
          error={datasets.error}
          onRetry={() => void datasets.refetch()}
          retrying={datasets.isFetching}
        />
      ) : datasets.data.items.length === 0 ? (
        <p className="text-sm text-muted">
          No dataset yet.{" "}
          <Link href="/generate/" className="font-medium text-accent hover:underline">
            Generate one
          </Link>{" "}
          or{" "}
          <Link href="/datasets/" className="font-medium text-accent hover:underline">
            upload one
          </Link>
          .
        </p>
      ) : (
        <ul className="divide-y divide-border" aria-label="Recent datasets">
          {datasets.data.items.map((dataset) => (
            <li key={dataset.id} className="flex flex-wrap items-center justify-between gap-x-3 gap-y-1 py-2.5 first:pt-0 last:pb-0">
              <div className="min-w-0">
                <Link href={datasetHref(dataset.id)} className="block truncate text-sm font-medium text-accent hover:underline">
                  {dataset.name}
                </Link>
                <p className="text-xs text-muted">
                  {dataTypeLabel(dataset.data_type)} · {dataset.example_count.toLocaleString()} example
                  {dataset.example_count === 1 ? "" : "s"} · v{dataset.version} · created{" "}
                  <RelativeTime value={dataset.created_at} />
                </p>
              </div>
              {dataset.status !== "ready" && (
                <StatusBadge tone={dataset.status === "failed" ? "danger" : "info"}>{dataset.status}</StatusBadge>
              )}
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}
