"use client";

import { useState } from "react";

import { Button } from "@/components/ui/Button";
import { Card } from "@/components/ui/Card";
import { TrashIcon } from "@/components/ui/icons";
import { Pagination } from "@/components/ui/Pagination";
import { LoadingRegion, Skeleton } from "@/components/ui/Skeleton";
import { EmptyState, ErrorState } from "@/components/ui/StateViews";
import type { DatasetDetail } from "@/hooks/queries/datasets";
import { useExamples, type ExamplePage } from "@/hooks/queries/examples";

import { ExampleFilters } from "./ExampleFilters";
import { ExamplesTable } from "./ExamplesTable";
import { ProvenanceDrawer } from "./ProvenanceDrawer";
import { QualityDialog } from "./QualityDialog";
import { RegenerateDialog } from "./RegenerateDialog";
import { RemoveExamplesDialog } from "./RemoveExamplesDialog";
import { useExampleParams, type ExampleParams } from "./useExampleParams";

type ListProps = {
  dataset: DatasetDetail;
  data: ExamplePage;
  params: ExampleParams;
  table: Omit<Parameters<typeof ExamplesTable>[0], "examples" | "datasetId">;
};

function ExampleList({ dataset, data, params, table }: ListProps) {
  if (data.total === 0) {
    return params.filtered ? (
      <EmptyState
        title="No example matches these filters"
        action={<Button onClick={params.clear}>Clear filters</Button>}
      />
    ) : (
      <EmptyState title="This version has no examples">Upload a file or merge datasets to add some.</EmptyState>
    );
  }
  if (data.items.length === 0) {
    return (
      <EmptyState
        title={`Page ${params.filters.page} is empty`}
        action={<Button onClick={() => params.setPage(1)}>Go to the first page</Button>}
      />
    );
  }
  const { filters } = params;
  return (
    <div className="space-y-4">
      <ExamplesTable datasetId={dataset.id} examples={data.items} {...table} />
      <Pagination
        page={filters.page}
        pageSize={filters.pageSize}
        total={data.total}
        onPage={params.setPage}
        label="Example pages"
      />
    </div>
  );
}

/** The current version's examples: filter, search, page, edit inline, see provenance; re-judge, regenerate or remove in bulk. */
export function ExamplesPanel({ dataset, canEdit }: { dataset: DatasetDetail; canEdit: boolean }) {
  const params = useExampleParams();
  const examples = useExamples(dataset.id, params.filters);
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [editing, setEditing] = useState<string | null>(null);
  const [details, setDetails] = useState<string | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [rejudging, setRejudging] = useState(false);
  const [regenerating, setRegenerating] = useState(false);

  const select = (ids: string[], on: boolean) =>
    setSelected((current) => {
      const next = new Set(current);
      for (const id of ids) {
        if (on) next.add(id);
        else next.delete(id);
      }
      return next;
    });

  return (
    <Card
      title={`Examples in v${dataset.version}`}
      labelledBy="examples-title"
      aside={
        selected.size > 0 && (
          <div className="flex items-center gap-2">
            <span className="text-sm text-muted">{selected.size} selected</span>
            <Button onClick={() => setRejudging(true)} disabled={!canEdit || dataset.status !== "ready"}>
              Re-judge selected
            </Button>
            <Button onClick={() => setRegenerating(true)} disabled={!canEdit || dataset.status !== "ready"}>
              Regenerate selected
            </Button>
            <Button variant="danger" onClick={() => setConfirming(true)}>
              <TrashIcon />
              Remove selected
            </Button>
          </div>
        )
      }
    >
      <div className="mb-4">
        <ExampleFilters params={params} stages={Object.keys(dataset.stats.by_stage)} />
      </div>
      {examples.isPending ? (
        <LoadingRegion label="Loading examples…">
          <div className="space-y-3">
            {Array.from({ length: 5 }, (_, i) => (
              <Skeleton key={i} className="h-14 w-full" />
            ))}
          </div>
        </LoadingRegion>
      ) : examples.isError && !examples.data ? (
        <ErrorState
          title="Could not load the examples"
          error={examples.error}
          onRetry={() => void examples.refetch()}
          retrying={examples.isFetching}
        />
      ) : (
        <div className={examples.isPlaceholderData ? "opacity-60 transition-opacity" : ""}>
          <ExampleList
            dataset={dataset}
            data={examples.data}
            params={params}
            table={{ selected, onSelect: select, editing, onEdit: setEditing, onDetails: setDetails, canEdit }}
          />
        </div>
      )}
      {details && <ProvenanceDrawer datasetId={dataset.id} exampleId={details} onClose={() => setDetails(null)} />}
      {rejudging && <QualityDialog dataset={dataset} exampleIds={[...selected]} onClose={() => setRejudging(false)} />}
      {regenerating && <RegenerateDialog dataset={dataset} exampleIds={[...selected]} onClose={() => setRegenerating(false)} />}
      {confirming && (
        <RemoveExamplesDialog
          datasetId={dataset.id}
          ids={[...selected]}
          onClose={() => setConfirming(false)}
          onRemoved={() => setSelected(new Set())}
        />
      )}
    </Card>
  );
}
