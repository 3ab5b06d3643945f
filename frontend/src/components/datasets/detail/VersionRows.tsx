"use client";

import { useState } from "react";

import { Pagination } from "@/components/ui/Pagination";
import { LoadingRegion, Skeleton } from "@/components/ui/Skeleton";
import { EmptyState, ErrorState } from "@/components/ui/StateViews";
import { useVersionRows, type ChangeKind, type RowChange, type VersionCompare } from "@/hooks/queries/datasets";

import { RowDiff, RowMessages } from "./WordDiff";

const PAGE_SIZE = 10;
const KINDS: { kind: ChangeKind; label: string }[] = [
  { kind: "changed", label: "Changed" },
  { kind: "added", label: "Added" },
  { kind: "removed", label: "Removed" },
];

function Row({ row, from, to }: { row: RowChange; from: number; to: number }) {
  return (
    <article aria-label={`Row ${row.item_key}`} className="space-y-2 rounded-lg border border-border p-3">
      <h4 className="font-mono text-xs text-fg">{row.item_key}</h4>
      {row.before && row.after ? (
        <RowDiff before={row.before} after={row.after} from={from} to={to} />
      ) : (
        <RowMessages messages={row.after ?? row.before ?? []} />
      )}
    </article>
  );
}

function KindFilter({ diff, kind, onChange }: { diff: VersionCompare; kind: ChangeKind; onChange: (k: ChangeKind) => void }) {
  return (
    <fieldset className="flex flex-wrap items-center gap-x-4 gap-y-1 text-sm">
      <legend className="sr-only">Show rows</legend>
      {KINDS.map((k) => (
        <label key={k.kind} className="flex items-center gap-1.5">
          <input type="radio" name="compare-kind" checked={kind === k.kind} onChange={() => onChange(k.kind)} className="accent-[var(--accent)]" />
          {k.label} ({diff[k.kind].toLocaleString()})
        </label>
      ))}
    </fieldset>
  );
}

type VersionRowsProps = { datasetId: string; diff: VersionCompare };

/** The text of the rows that differ between two versions: changed rows as a word diff, side by side. */
export function VersionRows({ datasetId, diff }: VersionRowsProps) {
  const { from_version: from, to_version: to } = diff;
  const initial = KINDS.find((k) => diff[k.kind] > 0)?.kind ?? "changed";
  const [choice, setChoice] = useState<{ kind: ChangeKind; page: number; for: string } | null>(null);
  // A new pair of versions starts again on its first kind with rows.
  const pair = `${from}-${to}`;
  const { kind, page } = choice?.for === pair ? choice : { kind: initial, page: 1 };
  const rows = useVersionRows(datasetId, from, to, kind, page, PAGE_SIZE);
  const label = KINDS.find((k) => k.kind === kind)?.label ?? kind;
  return (
    <section aria-labelledby="compare-rows-title" className="mt-4 space-y-3">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <h3 id="compare-rows-title" className="text-sm font-semibold text-fg">
          Rows
        </h3>
        <KindFilter diff={diff} kind={kind} onChange={(k) => setChoice({ kind: k, page: 1, for: pair })} />
      </div>
      <p className="text-xs text-muted">
        In a changed row, words struck through were deleted from v{from} and underlined words were inserted in v{to}.
      </p>
      {rows.isPending ? (
        <LoadingRegion label="Loading the rows…">
          <Skeleton className="h-40 w-full" />
        </LoadingRegion>
      ) : rows.isError ? (
        <ErrorState title="Could not load the rows" error={rows.error} onRetry={() => void rows.refetch()} retrying={rows.isFetching} />
      ) : rows.data.total === 0 ? (
        <EmptyState title={`No ${label.toLowerCase()} rows`}>Between v{from} and v{to}, no row was {label.toLowerCase()}.</EmptyState>
      ) : (
        <div className="space-y-3" aria-label={`${label} rows`} role="group">
          {rows.data.items.map((row) => (
            <Row key={row.item_key} row={row} from={from} to={to} />
          ))}
          {rows.data.total > PAGE_SIZE && (
            <Pagination
              page={page}
              pageSize={PAGE_SIZE}
              total={rows.data.total}
              onPage={(p) => setChoice({ kind, page: p, for: pair })}
              label="Row pages"
            />
          )}
        </div>
      )}
    </section>
  );
}
