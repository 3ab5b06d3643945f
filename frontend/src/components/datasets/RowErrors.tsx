import { ApiError } from "@/lib/api/client";
import type { RowError } from "@/hooks/queries/datasets";

/** The bad rows of a refused upload (a 422 `invalid_rows`), or null for any other error. */
export function rowErrors(error: unknown): RowError[] | null {
  if (!(error instanceof ApiError) || error.error !== "invalid_rows" || !Array.isArray(error.detail)) return null;
  return error.detail.filter(
    (row: unknown): row is RowError => typeof row === "object" && row !== null && "line" in row && "reason" in row,
  );
}

/** Bad rows by line number; the API lists at most the first 100. */
export function RowErrorList({ rows, label }: { rows: readonly RowError[]; label: string }) {
  return (
    <ol
      aria-label={label}
      tabIndex={0}
      className="mt-2 max-h-48 space-y-1 overflow-y-auto rounded-md border border-border bg-surface px-3 py-2 font-mono text-xs"
    >
      {rows.map((row) => (
        <li key={row.line} className="flex gap-2">
          <span className="shrink-0 tabular-nums text-danger">Line {row.line}</span>
          <span className="break-words text-fg">{row.reason}</span>
        </li>
      ))}
    </ol>
  );
}
