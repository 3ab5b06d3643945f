"use client";

import Link from "next/link";
import { useState } from "react";

import { Card } from "@/components/ui/Card";
import { PageHeader } from "@/components/ui/PageHeader";
import { Pagination } from "@/components/ui/Pagination";
import { RelativeTime } from "@/components/ui/RelativeTime";
import { LoadingRegion, Skeleton } from "@/components/ui/Skeleton";
import { EmptyState, ErrorState } from "@/components/ui/StateViews";
import { useMe } from "@/hooks/queries/auth";
import { useProviderRuns } from "@/hooks/queries/providerFinetune";

import { providerRunHref } from "./links";
import { ProviderStatusBadge } from "./ProviderStatusBadge";
import { StartProviderRunForm } from "./StartProviderRunForm";

const PAGE_SIZE = 20;

function RunList() {
  const [page, setPage] = useState(1);
  const runs = useProviderRuns(page, PAGE_SIZE);
  if (runs.isPending) {
    return (
      <LoadingRegion label="Loading runs…">
        <Skeleton className="h-24 w-full" />
      </LoadingRegion>
    );
  }
  if (runs.isError && !runs.data) {
    return <ErrorState title="Could not load the runs" error={runs.error} onRetry={() => void runs.refetch()} />;
  }
  if (runs.data.total === 0) {
    return <EmptyState title="No provider fine-tunes yet">Start one with the form above.</EmptyState>;
  }
  return (
    <div className="space-y-4">
      <div tabIndex={0} className="-mx-4 overflow-x-auto sm:mx-0">
        <table className="w-full min-w-[40rem] text-left text-sm" aria-label="Provider fine-tune runs">
          <thead className="border-b border-border text-xs uppercase tracking-wide text-muted">
            <tr>
              <th scope="col" className="px-4 py-2 font-medium sm:px-2">Run</th>
              <th scope="col" className="px-2 py-2 font-medium">Status</th>
              <th scope="col" className="px-2 py-2 font-medium">Model</th>
              <th scope="col" className="px-2 py-2 text-right font-medium">Cost</th>
              <th scope="col" className="px-2 py-2 font-medium">Started</th>
            </tr>
          </thead>
          <tbody className="divide-y divide-border">
            {runs.data.items.map((run) => (
              <tr key={run.id} className="hover:bg-surface-muted/60">
                <td className="px-4 py-2.5 sm:px-2">
                  <Link href={providerRunHref(run.id)} className="font-medium text-accent hover:underline">
                    {run.name}
                  </Link>
                </td>
                <td className="px-2 py-2.5">
                  <ProviderStatusBadge status={run.status} />
                </td>
                <td className="px-2 py-2.5 font-mono text-xs">{run.model_id ?? `${run.provider}:${run.base_model}`}</td>
                <td className="px-2 py-2.5 text-right tabular-nums">{run.cost_usd === null ? "—" : `$${Number(run.cost_usd).toFixed(4)}`}</td>
                <td className="px-2 py-2.5 text-muted">
                  <RelativeTime value={run.created_at} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <Pagination page={page} pageSize={PAGE_SIZE} total={runs.data.total} onPage={setPage} label="Provider run pages" />
    </div>
  );
}

export function ProviderFinetuneView() {
  const me = useMe();
  const canStart = me.data?.role === "admin" || me.data?.role === "editor";
  return (
    <>
      <PageHeader
        title="Fine-tune through a provider"
        description="Send a dataset to OpenAI's (or a Together-style) fine-tuning API; the new model becomes a provider model for jobs."
        actions={
          <Link href="/finetune/" className="text-sm font-medium text-accent hover:underline">
            Local fine-tunes
          </Link>
        }
      />
      <div className="space-y-4">
        <Card title="Start a provider fine-tune" labelledBy="pft-start-title">
          <StartProviderRunForm canStart={canStart} />
        </Card>
        <Card title="Runs" labelledBy="pft-runs-title">
          <RunList />
        </Card>
      </div>
    </>
  );
}
