"use client";

import { isValidElement, type ReactNode } from "react";

import { Dialog } from "@/components/ui/Dialog";
import { LoadingRegion, Skeleton } from "@/components/ui/Skeleton";
import { ErrorState } from "@/components/ui/StateViews";
import { useExample, type ExampleDetail } from "@/hooks/queries/examples";
import { formatDateTime } from "@/lib/format";

import { Conversation, Score } from "./ExampleParts";

/** Labels for the provenance fields people look for first; others show under their own key. */
const KNOWN: Record<string, string> = {
  source: "Source",
  file: "File",
  line: "Line",
  stage: "Stage",
  model: "Model",
  template_hash: "Prompt template",
  scenario: "Scenario",
  exemplar_ids: "Exemplars",
  input_tokens: "Input tokens",
  output_tokens: "Output tokens",
  cost_usd: "Cost (USD)",
  decision: "Decision",
  decision_reason: "Decision reason",
  judge_scores: "Judge scores",
  judge_feedback: "Judge feedback",
  edited_from: "Edited from",
  copied_from: "Copied from",
  calls: "Model calls",
  judge_route: "Judged by",
  judge_model: "Deciding judge",
  cheap_judge_score: "Cheap judge's score",
  fixes: "Rewrites",
};

/** Column headings of the call log and other lists of records; other keys show as they are. */
const COLUMNS: Record<string, string> = {
  stage: "Stage",
  model: "Model",
  input_tokens: "In",
  output_tokens: "Out",
  cost_usd: "Cost",
  attempts: "Tries",
  cached: "Cached",
  repaired: "Repaired",
  fingerprint: "Request",
  template_hash: "Template",
};

/** Hashes are long; their first characters are enough to tell two apart (the whole one is in the title). */
const HASHES = new Set(["fingerprint", "template_hash"]);

type Primitive = string | number | boolean | null;

function isPrimitive(value: unknown): value is Primitive {
  return value === null || ["string", "number", "boolean"].includes(typeof value);
}

type FlatRecord = Record<string, Primitive>;

function isFlatRecord(value: unknown): value is FlatRecord {
  return typeof value === "object" && value !== null && !Array.isArray(value) && Object.values(value).every(isPrimitive);
}

function Cell({ column, value }: { column: string; value: Primitive }) {
  if (value === null) return <span className="text-muted">—</span>;
  if (typeof value === "boolean") return <>{value ? "yes" : "no"}</>;
  if (HASHES.has(column) && typeof value === "string") {
    return (
      <span className="font-mono text-xs" title={value}>
        {value.slice(0, 10)}
      </span>
    );
  }
  return <>{String(value)}</>;
}

/** A list of records (the call log, the rewrites) as a table, not as JSON. */
function RecordTable({ rows }: { rows: FlatRecord[] }) {
  const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))].sort(
    (a, b) => Number(!(a in COLUMNS)) - Number(!(b in COLUMNS)),
  );
  return (
    <div tabIndex={0} className="overflow-x-auto">
      <table className="w-full text-left text-xs">
        <thead className="text-muted">
          <tr>
            {columns.map((column) => (
              <th key={column} scope="col" className="px-1.5 py-1 font-medium">
                {COLUMNS[column] ?? column}
              </th>
            ))}
          </tr>
        </thead>
        <tbody className="divide-y divide-border">
          {rows.map((row, i) => (
            <tr key={i}>
              {columns.map((column) => (
                <td key={column} className="px-1.5 py-1 tabular-nums">
                  <Cell column={column} value={row[column] ?? null} />
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Value({ value }: { value: unknown }) {
  if (value === null || value === undefined || value === "") return <span className="text-muted">—</span>;
  if (isValidElement(value)) return value;
  if (Array.isArray(value) && value.length > 0 && value.every(isFlatRecord)) return <RecordTable rows={value} />;
  if (Array.isArray(value) && value.every(isPrimitive)) {
    return <span className="break-words">{value.length ? value.map(String).join(", ") : "none"}</span>;
  }
  if (typeof value === "object" && !Array.isArray(value) && Object.values(value).every(isPrimitive)) {
    return (
      <ul className="space-y-0.5">
        {Object.entries(value).map(([key, item]) => (
          <li key={key} className="break-words">
            <span className="text-muted">{key}:</span> {String(item)}
          </li>
        ))}
      </ul>
    );
  }
  if (typeof value === "object") {
    return (
      <pre className="overflow-x-auto whitespace-pre-wrap break-words font-mono text-xs">
        {JSON.stringify(value, null, 2)}
      </pre>
    );
  }
  return <span className="break-words">{String(value)}</span>;
}

function Pairs({ entries }: { entries: [string, unknown][] }) {
  return (
    <dl className="divide-y divide-border rounded-lg border border-border">
      {entries.map(([key, value]) => (
        <div key={key} className="grid grid-cols-[9rem_minmax(0,1fr)] gap-3 px-3 py-2 text-sm">
          <dt className="text-muted">{KNOWN[key] ?? key}</dt>
          <dd className="min-w-0 text-fg">
            <Value value={value} />
          </dd>
        </div>
      ))}
    </dl>
  );
}

function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <section className="space-y-2">
      <h3 className="text-sm font-semibold text-fg">{title}</h3>
      {children}
    </section>
  );
}

function Provenance({ example }: { example: ExampleDetail }) {
  const provenance = Object.entries(example.provenance).sort(
    ([a], [b]) => Number(!(a in KNOWN)) - Number(!(b in KNOWN)),
  );
  const scores = Object.entries(example.scores ?? {});
  // An uploaded generated row repeats its provenance and score in its metadata: show only the rest.
  const metadata = Object.entries(example.record?.metadata ?? {}).filter(([key]) => key !== "provenance" && key !== "score");
  return (
    <div className="space-y-5">
      <Pairs
        entries={[
          ["Item key", example.item_key],
          ["Stage", example.stage],
          ["Status", example.status],
          ["Score", <Score key="score" score={example.score} />],
          ["Cluster", example.cluster],
          [
            "In versions",
            example.removed_in ? `v${example.added_in} to v${example.removed_in - 1}` : `v${example.added_in} onwards`,
          ],
          ["Created", formatDateTime(example.created_at)],
        ]}
      />
      <Section title="Where it came from">
        {provenance.length ? (
          <Pairs entries={provenance} />
        ) : (
          <p className="text-sm text-muted">No provenance was recorded.</p>
        )}
      </Section>
      {scores.length > 0 && (
        <Section title="Judge scores by criterion">
          <Pairs entries={scores} />
        </Section>
      )}
      <Section title="Messages">
        <Conversation messages={example.messages} />
      </Section>
      {metadata.length > 0 && (
        <Section title="Record metadata">
          <Pairs entries={metadata} />
        </Section>
      )}
    </div>
  );
}

/** A side panel with everything known about one example: scores, provenance, the full messages. */
export function ProvenanceDrawer({
  datasetId,
  exampleId,
  onClose,
}: {
  datasetId: string;
  exampleId: string;
  onClose: () => void;
}) {
  const example = useExample(datasetId, exampleId);
  return (
    <Dialog
      side
      title={example.data ? `Example ${example.data.position + 1}` : "Example"}
      description="Provenance, scores and the full conversation."
      onClose={onClose}
    >
      {example.isPending ? (
        <LoadingRegion label="Loading the example…">
          <Skeleton className="h-64 w-full" />
        </LoadingRegion>
      ) : example.isError ? (
        <ErrorState
          title="Could not load the example"
          error={example.error}
          onRetry={() => void example.refetch()}
          retrying={example.isFetching}
        />
      ) : (
        <Provenance example={example.data} />
      )}
    </Dialog>
  );
}
