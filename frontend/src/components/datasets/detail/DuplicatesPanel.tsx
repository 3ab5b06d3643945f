"use client";

import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";

import { Button } from "@/components/ui/Button";
import { Card } from "@/components/ui/Card";
import { Field, FormError } from "@/components/ui/Field";
import { NumberInput } from "@/components/ui/NumberInput";
import { Skeleton } from "@/components/ui/Skeleton";
import { EmptyState, ErrorState } from "@/components/ui/StateViews";
import type { DatasetDetail } from "@/hooks/queries/datasets";
import { duplicateKeys, useDuplicates, useFindDuplicates, type Duplicates } from "@/hooks/queries/duplicates";
import { useRemoveExamples } from "@/hooks/queries/examples";
import { isFinished, useTask } from "@/hooks/queries/tasks";
import { errorMessage } from "@/lib/api/client";
import { QUERY_LIMITS, accepts, rangeText } from "@/lib/limits";

const THRESHOLD = QUERY_LIMITS.find_duplicates_api_v1_datasets__dataset_id__duplicates_post.threshold;

function Clusters({ data, onShow }: { data: Duplicates; onShow: (cluster: string) => void }) {
  return (
    <div tabIndex={0} className="-mx-4 overflow-x-auto sm:mx-0">
      <table className="w-full text-left text-sm" aria-label="Near-duplicate clusters">
        <thead className="text-xs uppercase tracking-wide text-muted">
          <tr>
            <th scope="col" className="px-4 py-2">Cluster</th>
            <th scope="col" className="px-4 py-2 text-right">Rows</th>
            <th scope="col" className="px-4 py-2 text-right">To remove</th>
            <th scope="col" className="px-4 py-2"><span className="sr-only">Actions</span></th>
          </tr>
        </thead>
        <tbody>
          {data.clusters.map((cluster) => (
            <tr key={cluster.cluster} className="border-t border-border">
              <td className="px-4 py-2 font-mono text-xs">{cluster.cluster}</td>
              <td className="px-4 py-2 text-right tabular-nums">{cluster.size}</td>
              <td className="px-4 py-2 text-right tabular-nums">{cluster.drop_ids.length}</td>
              <td className="px-4 py-2 text-right">
                <Button onClick={() => onShow(cluster.cluster)}>Show rows</Button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

type DuplicatesPanelProps = { dataset: DatasetDetail; canEdit: boolean; onShowCluster: (cluster: string) => void };

/** Finds exact and near-duplicate rows in a worker, lists the clusters, removes all but the best of each. */
export function DuplicatesPanel({ dataset, canEdit, onShowCluster }: DuplicatesPanelProps) {
  const queryClient = useQueryClient();
  const duplicates = useDuplicates(dataset.id);
  const find = useFindDuplicates(dataset.id);
  const remove = useRemoveExamples(dataset.id);
  const [threshold, setThreshold] = useState("0.7");
  const [taskId, setTaskId] = useState<string | null>(null);
  const task = useTask(taskId);
  const searching = find.isPending || (task.data !== undefined && !isFinished(task.data.status));
  const finished = task.data !== undefined && isFinished(task.data.status);
  useEffect(() => {
    if (finished) void queryClient.invalidateQueries({ queryKey: duplicateKeys.of(dataset.id) });
  }, [finished, dataset.id, queryClient]);

  const value = Number(threshold);
  const thresholdError = accepts(threshold, THRESHOLD) ? null : `A similarity ${rangeText(THRESHOLD)}.`;
  const data = duplicates.data;
  const current = data !== undefined && data.version === dataset.version;
  const dropCount = current ? data.drop_ids.length : 0;

  return (
    <Card title="Near-duplicates" labelledBy="duplicates-title">
      <form
        noValidate
        className="mb-4 flex flex-wrap items-end gap-3"
        onSubmit={(event) => {
          event.preventDefault();
          if (!thresholdError) find.mutate(value, { onSuccess: (record) => setTaskId(record.id) });
        }}
      >
        <Field label="Similarity threshold" htmlFor="duplicate-threshold" error={thresholdError} hint="Jaccard similarity of word shingles; 1 finds exact copies only.">
          <NumberInput limit={THRESHOLD} value={threshold} onChange={(e) => setThreshold(e.target.value)} className="w-32" />
        </Field>
        <Button type="submit" variant="primary" disabled={!canEdit || searching || Boolean(thresholdError)}>
          {searching ? "Searching…" : "Find duplicates"}
        </Button>
        {dropCount > 0 && (
          <Button variant="danger" disabled={!canEdit || remove.isPending} onClick={() => remove.mutate(data?.drop_ids ?? [])}>
            Remove {dropCount} duplicate{dropCount === 1 ? "" : "s"} (keep the best of each)
          </Button>
        )}
      </form>
      {find.isError && <FormError>{errorMessage(find.error)}</FormError>}
      {task.data?.status === "failed" && <FormError>The search failed: {task.data.error ?? "see the task"}</FormError>}
      {remove.isError && <FormError>{errorMessage(remove.error)}</FormError>}
      {duplicates.isPending ? (
        <Skeleton className="h-32 w-full" />
      ) : duplicates.isError ? (
        <ErrorState title="Could not load the clusters" error={duplicates.error} onRetry={() => void duplicates.refetch()} />
      ) : !current || data.computed_at === null ? (
        <EmptyState title={`No search has run on v${dataset.version} yet`}>Find duplicates to group rows that say the same thing.</EmptyState>
      ) : data.clusters.length === 0 ? (
        <EmptyState title="No duplicates found">At similarity {data.threshold}, every row of v{dataset.version} is distinct.</EmptyState>
      ) : (
        <Clusters data={data} onShow={onShowCluster} />
      )}
    </Card>
  );
}
