"use client";

import { useState } from "react";

import { Pagination } from "@/components/ui/Pagination";
import { Skeleton } from "@/components/ui/Skeleton";
import { EmptyState, ErrorState } from "@/components/ui/StateViews";
import { useJobItems } from "@/hooks/queries/jobs";

const PAGE_SIZE = 20;

/** The job's rejected and failed items, each with the reason it gave. */
export function RejectedItems({ jobId, version }: { jobId: string; version: number }) {
  const [page, setPage] = useState(1);
  const items = useJobItems(jobId, page, PAGE_SIZE, version);
  if (items.isPending) return <Skeleton className="h-24 w-full" />;
  if (items.isError && !items.data) {
    return <ErrorState title="Could not load the rejected rows" error={items.error} onRetry={() => void items.refetch()} />;
  }
  if (items.data.total === 0) return <EmptyState title="No rejected or failed rows">Every finished row was accepted.</EmptyState>;
  return (
    <div className="space-y-3">
      <div tabIndex={0} className="-mx-4 overflow-x-auto sm:mx-0">
        <table className="w-full min-w-[36rem] text-left text-sm" aria-label="Rejected and failed rows">
          <thead className="border-b border-border text-xs uppercase tracking-wide text-muted">
            <tr>
              <th scope="col" className="px-4 py-2 font-medium sm:px-2">Item</th>
              <th scope="col" className="px-2 py-2 font-medium">Stage</th>
              <th scope="col" className="px-2 py-2 font-medium">Outcome</th>
              <th scope="col" className="px-2 py-2 font-medium">Reason</th>
            </tr>
          </thead>
          <tbody className="divide-y divide-border">
            {items.data.items.map((item) => (
              <tr key={`${item.item_key}-${item.variant}`}>
                <td className="px-4 py-2 font-mono text-xs sm:px-2">{item.item_key}</td>
                <td className="px-2 py-2">{item.stage}</td>
                <td className="px-2 py-2">
                  {item.status}
                  {item.attempts > 1 && <span className="text-muted"> ({item.attempts} tries)</span>}
                </td>
                <td className="max-w-md break-words px-2 py-2 text-muted">{item.error ?? "no reason recorded"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <Pagination page={page} pageSize={PAGE_SIZE} total={items.data.total} onPage={setPage} label="Rejected row pages" />
    </div>
  );
}
