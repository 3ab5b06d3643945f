"use client";

import { Card } from "@/components/ui/Card";
import { Field } from "@/components/ui/Field";
import { Select } from "@/components/ui/Select";
import { LoadingRegion, Skeleton } from "@/components/ui/Skeleton";
import { ErrorState } from "@/components/ui/StateViews";
import { useVersionCompare, type VersionCompare as Diff } from "@/hooks/queries/datasets";

import { VersionRows } from "./VersionRows";

const SHOWN_KEYS = 50;

function VersionSelect({
  id,
  label,
  value,
  latest,
  onChange,
}: {
  id: string;
  label: string;
  value: number;
  latest: number;
  onChange: (v: number) => void;
}) {
  return (
    <Field label={label} htmlFor={id}>
      <Select value={value} onChange={(e) => onChange(Number(e.target.value))}>
        {Array.from({ length: latest }, (_, i) => latest - i).map((n) => (
          <option key={n} value={n}>
            v{n}
            {n === latest ? " (current)" : ""}
          </option>
        ))}
      </Select>
    </Field>
  );
}

const KINDS = [
  { key: "added", keys: "added_keys", label: "Added", tone: "text-ok" },
  { key: "removed", keys: "removed_keys", label: "Removed", tone: "text-danger" },
  { key: "changed", keys: "changed_keys", label: "Changed", tone: "text-info" },
] as const;

function DiffView({ diff }: { diff: Diff }) {
  return (
    <div className="grid gap-3 md:grid-cols-3">
      {KINDS.map((kind) => {
        const keys = diff[kind.keys];
        return (
          <section
            key={kind.key}
            aria-label={`${kind.label} examples`}
            className="min-w-0 rounded-lg border border-border p-3"
          >
            <p className="text-xs font-medium uppercase tracking-wide text-muted">{kind.label}</p>
            <p className={`text-2xl font-semibold tabular-nums ${kind.tone}`}>{diff[kind.key].toLocaleString()}</p>
            {keys.length > 0 && (
              <ul
                className="mt-2 max-h-40 space-y-0.5 overflow-y-auto font-mono text-xs text-muted"
                tabIndex={0}
                aria-label={`${kind.label} item keys`}
              >
                {keys.slice(0, SHOWN_KEYS).map((key) => (
                  <li key={key}>{key}</li>
                ))}
                {diff[kind.key] > SHOWN_KEYS && <li>… and {(diff[kind.key] - SHOWN_KEYS).toLocaleString()} more</li>}
              </ul>
            )}
          </section>
        );
      })}
    </div>
  );
}

type VersionCompareProps = {
  datasetId: string;
  latest: number;
  from: number;
  to: number;
  onChange: (from: number, to: number) => void;
};

/** Examples added, removed and changed between two versions: counts, item keys and the rows' text. */
export function VersionCompare({ datasetId, latest, from, to, onChange }: VersionCompareProps) {
  const diff = useVersionCompare(datasetId, from, to);
  return (
    <Card title="Compare versions" labelledBy="compare-title">
      <div className="mb-4 grid max-w-md grid-cols-2 gap-3">
        <VersionSelect id="compare-from" label="From" value={from} latest={latest} onChange={(v) => onChange(v, to)} />
        <VersionSelect id="compare-to" label="To" value={to} latest={latest} onChange={(v) => onChange(from, v)} />
      </div>
      <div aria-live="polite">
        {diff.isPending ? (
          <LoadingRegion label="Comparing…">
            <Skeleton className="h-28 w-full" />
          </LoadingRegion>
        ) : diff.isError ? (
          <ErrorState
            title="Could not compare the versions"
            error={diff.error}
            onRetry={() => void diff.refetch()}
            retrying={diff.isFetching}
          />
        ) : (
          <DiffView diff={diff.data} />
        )}
      </div>
      {diff.data && <VersionRows datasetId={datasetId} diff={diff.data} />}
    </Card>
  );
}
