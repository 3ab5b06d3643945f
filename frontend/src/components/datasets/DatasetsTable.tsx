"use client";

import Link from "next/link";

import { ActionMenu } from "@/components/ui/ActionMenu";
import { Checkbox } from "@/components/ui/Checkbox";
import { RelativeTime } from "@/components/ui/RelativeTime";
import { StatusBadge } from "@/components/ui/StatusBadge";
import type { User } from "@/hooks/queries/auth";
import type { Dataset, DatasetSort, SortOrder } from "@/hooks/queries/datasets";

import { canChange, canCreate, dataTypeLabel } from "./constants";
import { datasetHref } from "./links";
import { SortHeader } from "./SortHeader";

const TH = "px-3 py-2.5 text-left text-xs font-medium uppercase tracking-wide text-muted";
const TD = "px-3 py-3 align-top";
/** Columns a phone can do without: the row stays readable at 390 px. */
const WIDE = "hidden md:table-cell";

export type DatasetAction = { kind: "sample" | "split" | "convert" | "delete"; dataset: Dataset };

type DatasetsTableProps = {
  datasets: Dataset[];
  sort: DatasetSort;
  order: SortOrder;
  onSort: (sort: DatasetSort, order: SortOrder) => void;
  selected: ReadonlyMap<string, Dataset>;
  onSelect: (datasets: Dataset[], selected: boolean) => void;
  user: User | undefined;
  onAction: (action: DatasetAction) => void;
};

type RowProps = Pick<DatasetsTableProps, "user" | "onAction" | "onSelect"> & { dataset: Dataset; selected: boolean };

function DatasetRow({ dataset, selected, onSelect, user, onAction }: RowProps) {
  const act = (kind: DatasetAction["kind"]) => () => onAction({ kind, dataset });
  return (
    <tr className={selected ? "bg-accent-soft/60" : "hover:bg-surface-muted/60"}>
      <td className={`${TD} w-10`}>
        <Checkbox
          checked={selected}
          onChange={(event) => onSelect([dataset], event.target.checked)}
          aria-label={`Select ${dataset.name}`}
        />
      </td>
      <td className={`${TD} min-w-0`}>
        <Link href={datasetHref(dataset.id)} className="font-medium text-fg hover:text-accent hover:underline">
          {dataset.name}
        </Link>
        {dataset.description && <p className="line-clamp-1 max-w-md text-xs text-muted">{dataset.description}</p>}
        <p className="text-xs text-muted md:hidden">
          {dataTypeLabel(dataset.data_type)}
          {dataset.domain && ` · ${dataset.domain}`} · v{dataset.version}
        </p>
      </td>
      <td className={`${TD} ${WIDE}`}>
        <StatusBadge tone="info">{dataset.data_type}</StatusBadge>
      </td>
      <td className={`${TD} ${WIDE} text-muted`}>{dataset.domain ?? "—"}</td>
      <td className={`${TD} text-right tabular-nums`}>{dataset.example_count.toLocaleString()}</td>
      <td className={`${TD} ${WIDE} tabular-nums text-muted`}>v{dataset.version}</td>
      <td className={`${TD} ${WIDE} whitespace-nowrap text-muted`}>
        <RelativeTime value={dataset.created_at} />
      </td>
      <td className={`${TD} text-right`}>
        <ActionMenu
          label={`Actions for ${dataset.name}`}
          actions={[
            { label: "Sample…", onSelect: act("sample"), disabled: !canCreate(user) },
            { label: "Split…", onSelect: act("split"), disabled: !canCreate(user) },
            { label: "Convert…", onSelect: act("convert"), disabled: !canCreate(user) },
            { label: "Delete…", onSelect: act("delete"), danger: true, disabled: !canChange(user, dataset) },
          ]}
        />
      </td>
    </tr>
  );
}

/** Datasets, one row each, with sortable headers and a checkbox per row for merging. */
export function DatasetsTable({
  datasets,
  sort,
  order,
  onSort,
  selected,
  onSelect,
  user,
  onAction,
}: DatasetsTableProps) {
  const all = datasets.length > 0 && datasets.every((d) => selected.has(d.id));
  const sortProps = { sort, order, onSort };
  return (
    <div className="-mx-4 overflow-x-auto sm:-mx-5">
      <table className="w-full border-collapse text-sm">
        <caption className="sr-only">Datasets</caption>
        <thead className="border-y border-border bg-surface-muted/50">
          <tr>
            <th scope="col" className={`${TH} w-10`}>
              <Checkbox
                checked={all}
                onChange={(event) => onSelect(datasets, event.target.checked)}
                aria-label="Select every dataset on this page"
              />
            </th>
            <SortHeader column="name" label="Name" className={TH} {...sortProps} />
            <th scope="col" className={`${TH} ${WIDE}`}>
              Type
            </th>
            <th scope="col" className={`${TH} ${WIDE}`}>
              Domain
            </th>
            <SortHeader column="example_count" label="Examples" className={`${TH} text-right`} {...sortProps} />
            <th scope="col" className={`${TH} ${WIDE}`}>
              Version
            </th>
            <SortHeader column="created_at" label="Created" className={`${TH} ${WIDE}`} {...sortProps} />
            <th scope="col" className={TH}>
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody className="divide-y divide-border">
          {datasets.map((dataset) => (
            <DatasetRow
              key={dataset.id}
              dataset={dataset}
              selected={selected.has(dataset.id)}
              onSelect={onSelect}
              user={user}
              onAction={onAction}
            />
          ))}
        </tbody>
      </table>
    </div>
  );
}
