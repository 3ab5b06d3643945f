"use client";

import { useState } from "react";

import { Button } from "@/components/ui/Button";
import { Card } from "@/components/ui/Card";
import { UploadIcon } from "@/components/ui/icons";
import { PageHeader } from "@/components/ui/PageHeader";
import { Pagination } from "@/components/ui/Pagination";
import { LoadingRegion, Skeleton } from "@/components/ui/Skeleton";
import { EmptyState, ErrorState } from "@/components/ui/StateViews";
import { useMe } from "@/hooks/queries/auth";
import { useDatasets, type Dataset, type DatasetPage } from "@/hooks/queries/datasets";

import { canCreate } from "./constants";
import { DatasetDialogs, type OpenDialog } from "./DatasetDialogs";
import { DatasetFilters } from "./DatasetFilters";
import { DatasetsTable } from "./DatasetsTable";
import { useDatasetListParams, type DatasetListParams } from "./useDatasetListParams";

function TableSkeleton() {
  return (
    <LoadingRegion label="Loading datasets…">
      <div className="space-y-3">
        {Array.from({ length: 6 }, (_, i) => (
          <Skeleton key={i} className="h-10 w-full" />
        ))}
      </div>
    </LoadingRegion>
  );
}

type BodyProps = {
  data: DatasetPage;
  list: DatasetListParams;
  onUpload: () => void;
  table: Omit<Parameters<typeof DatasetsTable>[0], "datasets" | "sort" | "order" | "onSort">;
};

function DatasetListBody({ data, list, onUpload, table }: BodyProps) {
  if (data.total === 0) {
    return list.filtered ? (
      <EmptyState
        title="No dataset matches these filters"
        action={<Button onClick={list.clear}>Clear filters</Button>}
      />
    ) : (
      <EmptyState
        title="No datasets yet"
        action={
          <Button variant="primary" onClick={onUpload}>
            Upload a dataset
          </Button>
        }
      >
        Upload a JSONL, JSON, CSV or Parquet file of examples to curate and export it.
      </EmptyState>
    );
  }
  if (data.items.length === 0) {
    return (
      <EmptyState
        title={`Page ${list.filters.page} is empty`}
        action={<Button onClick={() => list.setPage(1)}>Go to the first page</Button>}
      />
    );
  }
  const { filters } = list;
  return (
    <div className="space-y-4">
      <DatasetsTable datasets={data.items} sort={filters.sort} order={filters.order} onSort={list.setSort} {...table} />
      <Pagination
        page={filters.page}
        pageSize={filters.pageSize}
        total={data.total}
        onPage={list.setPage}
        label="Dataset pages"
      />
    </div>
  );
}

/** Keeps the order in which datasets were ticked: a merge copies them in that order. */
function useSelection() {
  const [selected, setSelected] = useState<ReadonlyMap<string, Dataset>>(new Map());
  const select = (datasets: Dataset[], on: boolean) =>
    setSelected((current) => {
      const next = new Map(current);
      for (const dataset of datasets) {
        if (on) next.set(dataset.id, dataset);
        else next.delete(dataset.id);
      }
      return next;
    });
  const drop = (id: string) => setSelected((current) => new Map([...current].filter(([key]) => key !== id)));
  return { selected, select, drop, clear: () => setSelected(new Map()) };
}

export function DatasetsView() {
  const list = useDatasetListParams();
  const datasets = useDatasets(list.filters);
  const me = useMe();
  const selection = useSelection();
  const [dialog, setDialog] = useState<OpenDialog | null>(null);
  const writable = canCreate(me.data);
  const count = selection.selected.size;

  return (
    <>
      <PageHeader
        title="Datasets"
        description="Upload, filter, merge, sample and split the datasets your fine-tunes learn from."
        actions={
          <>
            <Button
              onClick={() => setDialog({ kind: "merge", datasets: [...selection.selected.values()] })}
              disabled={!writable || count < 2}
            >
              Merge{count > 0 ? ` ${count} selected` : ""}
            </Button>
            <Button variant="primary" onClick={() => setDialog({ kind: "upload" })} disabled={!writable}>
              <UploadIcon />
              Upload
            </Button>
          </>
        }
      />
      <Card
        title="All datasets"
        labelledBy="dataset-list-title"
        aside={
          count > 0 && (
            <Button variant="ghost" onClick={selection.clear}>
              Clear selection
            </Button>
          )
        }
      >
        <div className="mb-4">
          <DatasetFilters list={list} />
        </div>
        {datasets.isPending ? (
          <TableSkeleton />
        ) : datasets.isError && !datasets.data ? (
          <ErrorState
            title="Could not load the datasets"
            error={datasets.error}
            onRetry={() => void datasets.refetch()}
            retrying={datasets.isFetching}
          />
        ) : (
          <div className={datasets.isPlaceholderData ? "opacity-60 transition-opacity" : ""}>
            <DatasetListBody
              data={datasets.data}
              list={list}
              onUpload={() => setDialog({ kind: "upload" })}
              table={{
                selected: selection.selected,
                onSelect: selection.select,
                user: me.data,
                onAction: (action) => setDialog(action),
              }}
            />
          </div>
        )}
      </Card>
      <DatasetDialogs
        dialog={dialog}
        onClose={() => setDialog(null)}
        onDeleted={selection.drop}
        onMerged={selection.clear}
      />
    </>
  );
}
