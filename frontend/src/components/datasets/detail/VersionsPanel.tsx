"use client";

import { useState } from "react";

import { Button } from "@/components/ui/Button";
import { Card } from "@/components/ui/Card";
import { Pagination } from "@/components/ui/Pagination";
import { RelativeTime } from "@/components/ui/RelativeTime";
import { LoadingRegion, Skeleton } from "@/components/ui/Skeleton";
import { ErrorState } from "@/components/ui/StateViews";
import { useVersions, type DatasetDetail, type Version } from "@/hooks/queries/datasets";

import { VersionCompare } from "./VersionCompare";

const PAGE_SIZE = 10;
const TH = "px-3 py-2.5 text-left text-xs font-medium uppercase tracking-wide text-muted";
const TD = "px-3 py-2.5 align-top";

function VersionsTable({
  versions,
  onCompare,
  onExport,
}: {
  versions: Version[];
  onCompare: (n: number) => void;
  onExport: (n: number) => void;
}) {
  return (
    <div className="-mx-4 overflow-x-auto sm:-mx-5">
      <table className="w-full border-collapse text-sm">
        <caption className="sr-only">Versions, newest first</caption>
        <thead className="border-y border-border bg-surface-muted/50">
          <tr>
            <th scope="col" className={TH}>
              Version
            </th>
            <th scope="col" className={TH}>
              Change
            </th>
            <th scope="col" className={`${TH} text-right`}>
              Examples
            </th>
            <th scope="col" className={`${TH} hidden md:table-cell`}>
              When
            </th>
            <th scope="col" className={TH}>
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody className="divide-y divide-border">
          {versions.map((v) => (
            <tr key={v.number}>
              <td className={`${TD} font-medium tabular-nums`}>v{v.number}</td>
              <td className={`${TD} text-muted [overflow-wrap:anywhere]`}>{v.reason}</td>
              <td className={`${TD} text-right tabular-nums`}>{v.example_count.toLocaleString()}</td>
              <td className={`${TD} hidden whitespace-nowrap text-muted md:table-cell`}>
                <RelativeTime value={v.created_at} />
              </td>
              <td className={TD}>
                {/* On a phone the two actions stack, so the table fits without a sideways scroll. */}
                <div className="flex flex-col items-end gap-1 sm:flex-row sm:justify-end">
                  {v.number > 1 && (
                    <Button
                      variant="ghost"
                      className="px-2 py-1"
                      onClick={() => onCompare(v.number)}
                      aria-label={`Compare v${v.number} with v${v.number - 1}`}
                    >
                      Diff
                    </Button>
                  )}
                  <Button
                    variant="ghost"
                    className="px-2 py-1"
                    onClick={() => onExport(v.number)}
                    aria-label={`Export v${v.number}`}
                  >
                    Export
                  </Button>
                </div>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Every version of the dataset with why it exists, and a diff of any two. */
export function VersionsPanel({ dataset, onExport }: { dataset: DatasetDetail; onExport: (version: number) => void }) {
  const [page, setPage] = useState(1);
  const versions = useVersions(dataset.id, page, PAGE_SIZE);
  const latest = dataset.version;
  const [range, setRange] = useState({ from: Math.max(1, latest - 1), to: latest });

  return (
    <div className="space-y-4">
      <VersionCompare
        datasetId={dataset.id}
        latest={latest}
        from={range.from}
        to={range.to}
        onChange={(from, to) => setRange({ from, to })}
      />
      <Card title="History" labelledBy="versions-title">
        {versions.isPending ? (
          <LoadingRegion label="Loading versions…">
            <Skeleton className="h-40 w-full" />
          </LoadingRegion>
        ) : versions.isError && !versions.data ? (
          <ErrorState
            title="Could not load the versions"
            error={versions.error}
            onRetry={() => void versions.refetch()}
            retrying={versions.isFetching}
          />
        ) : (
          <div className="space-y-4">
            <VersionsTable
              versions={versions.data.items}
              onCompare={(n) => setRange({ from: n - 1, to: n })}
              onExport={onExport}
            />
            {versions.data.total > PAGE_SIZE && (
              <Pagination
                page={page}
                pageSize={PAGE_SIZE}
                total={versions.data.total}
                onPage={setPage}
                label="Version pages"
              />
            )}
          </div>
        )}
      </Card>
    </div>
  );
}
