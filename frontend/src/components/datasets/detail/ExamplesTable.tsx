"use client";

import { Fragment } from "react";

import { Checkbox } from "@/components/ui/Checkbox";
import { EditIcon, InfoIcon } from "@/components/ui/icons";
import { StatusBadge } from "@/components/ui/StatusBadge";
import type { Example } from "@/hooks/queries/examples";

import { ExampleEditor } from "./ExampleEditor";
import { ConversationPreview, Score } from "./ExampleParts";

const TH = "px-3 py-2.5 text-left text-xs font-medium uppercase tracking-wide text-muted";
const TD = "px-3 py-3 align-top";
const WIDE = "hidden md:table-cell";
const ICON_BUTTON = "rounded-md p-1.5 text-muted hover:bg-surface-muted hover:text-fg disabled:opacity-40";

type ExamplesTableProps = {
  datasetId: string;
  examples: Example[];
  selected: ReadonlySet<string>;
  onSelect: (ids: string[], selected: boolean) => void;
  editing: string | null;
  onEdit: (id: string | null) => void;
  onDetails: (id: string) => void;
  canEdit: boolean;
};

type RowProps = Omit<ExamplesTableProps, "examples" | "selected" | "editing"> & { example: Example; selected: boolean };

function ExampleRow({ example, selected, onSelect, onEdit, onDetails, canEdit }: RowProps) {
  const label = `example ${example.position + 1}`;
  return (
    <tr className={selected ? "bg-accent-soft/60" : "hover:bg-surface-muted/60"}>
      <td className={`${TD} w-10`}>
        <Checkbox
          checked={selected}
          disabled={!canEdit}
          onChange={(event) => onSelect([example.id], event.target.checked)}
          aria-label={`Select ${label}`}
        />
      </td>
      <td className={`${TD} ${WIDE} w-14 tabular-nums text-muted`}>{example.position + 1}</td>
      <td className={`${TD} max-w-xl`}>
        <ConversationPreview messages={example.messages} />
        <p className="mt-1 flex items-center gap-2 text-xs text-muted md:hidden">
          #{example.position + 1} · {example.stage} <Score score={example.score} />
        </p>
      </td>
      <td className={`${TD} ${WIDE}`}>
        <StatusBadge tone={example.stage === "imported" ? "neutral" : "info"}>{example.stage}</StatusBadge>
        {example.cluster && <p className="mt-1 font-mono text-xs text-muted">cluster {example.cluster}</p>}
      </td>
      <td className={`${TD} ${WIDE}`}>
        <Score score={example.score} />
      </td>
      <td className={`${TD} w-20 whitespace-nowrap text-right`}>
        <button
          type="button"
          className={ICON_BUTTON}
          onClick={() => onEdit(example.id)}
          disabled={!canEdit}
          aria-label={`Edit ${label}`}
          title="Edit"
        >
          <EditIcon />
        </button>
        <button
          type="button"
          className={ICON_BUTTON}
          onClick={() => onDetails(example.id)}
          aria-label={`Details of ${label}`}
          title="Details and provenance"
        >
          <InfoIcon />
        </button>
      </td>
    </tr>
  );
}

/** Examples of the current version; a row being edited opens its editor underneath. */
export function ExamplesTable(props: ExamplesTableProps) {
  const { datasetId, examples, selected, onSelect, editing, onEdit, canEdit } = props;
  const all = examples.length > 0 && examples.every((e) => selected.has(e.id));
  return (
    <div className="-mx-4 overflow-x-auto sm:-mx-5">
      <table className="w-full border-collapse text-sm">
        <caption className="sr-only">Examples of the current version, in dataset order</caption>
        <thead className="border-y border-border bg-surface-muted/50">
          <tr>
            <th scope="col" className={`${TH} w-10`}>
              <Checkbox
                checked={all}
                disabled={!canEdit}
                onChange={(event) =>
                  onSelect(
                    examples.map((e) => e.id),
                    event.target.checked,
                  )
                }
                aria-label="Select every example on this page"
              />
            </th>
            <th scope="col" className={`${TH} ${WIDE}`}>
              #
            </th>
            <th scope="col" className={TH}>
              Conversation
            </th>
            <th scope="col" className={`${TH} ${WIDE}`}>
              Stage
            </th>
            <th scope="col" className={`${TH} ${WIDE}`}>
              Score
            </th>
            <th scope="col" className={TH}>
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody className="divide-y divide-border">
          {examples.map((example) => (
            <Fragment key={example.id}>
              <ExampleRow {...props} example={example} selected={selected.has(example.id)} />
              {editing === example.id && (
                <tr>
                  <td colSpan={6} className="px-3 py-3">
                    <ExampleEditor datasetId={datasetId} example={example} onDone={() => onEdit(null)} />
                  </td>
                </tr>
              )}
            </Fragment>
          ))}
        </tbody>
      </table>
    </div>
  );
}
