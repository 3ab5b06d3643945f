"use client";

import { DemoModelNotice } from "@/components/models/DemoModelNotice";
import { Button } from "@/components/ui/Button";
import { FormError } from "@/components/ui/Field";
import { isTerminal, type GenerationRequest } from "@/hooks/queries/jobs";
import { usePreview, type Preview } from "@/hooks/queries/preview";
import { errorMessage } from "@/lib/api/client";
import { formatUsd } from "@/lib/money";

const tokens = (n: number) => n.toLocaleString("en-US");

/** What the preview cost, from the job's ledger rows. */
function costLine(preview: Preview): string {
  const calls = `${preview.calls} call${preview.calls === 1 ? "" : "s"}`;
  return `${formatUsd(preview.cost_usd)} · ${tokens(preview.input_tokens)} input + ${tokens(preview.output_tokens)} output tokens over ${calls}`;
}

function PreviewRows({ preview }: { preview: Preview }) {
  return (
    <ol className="space-y-3" aria-label="Preview rows">
      {preview.rows.map((row, i) => (
        <li key={i} className="rounded-lg border border-border bg-surface-muted p-3 text-sm" data-testid="preview-row">
          <p className="mb-2 text-xs text-muted">
            Row {i + 1} · written by the {row.stage === "seed" ? "teacher" : "student"} ·{" "}
            {row.judged ? `judged ${row.score === null ? "" : row.score.toFixed(1)}` : "structure checked only (not judged)"} ·{" "}
            {tokens(row.input_tokens + row.output_tokens)} tokens
          </p>
          <dl className="space-y-1">
            {row.messages.map((message, j) => (
              <div key={j} className="grid grid-cols-[5rem_minmax(0,1fr)] gap-2">
                <dt className="font-medium text-muted">{String(message.role ?? "")}</dt>
                <dd className="whitespace-pre-wrap break-words text-fg">{String(message.content ?? "")}</dd>
              </div>
            ))}
          </dl>
        </li>
      ))}
    </ol>
  );
}

type PreviewPanelProps = {
  /** The preview job shown, if one was started. */
  jobId: string | null;
  request: GenerationRequest | null;
  starting: boolean;
  startError: unknown;
  onStart: () => void;
  onDiscard: () => void;
  discarding: boolean;
};

/**
 * "Preview 3 rows": the rows the chosen models and settings write, with their cost from the ledger, before
 * the full run. The preview's rows go in no dataset; discarding them keeps their cost in the ledger.
 */
export function PreviewPanel({ jobId, request, starting, startError, onStart, onDiscard, discarding }: PreviewPanelProps) {
  const preview = usePreview(jobId);
  const data = preview.data;
  const ended = data !== undefined && isTerminal(data.job.status);
  const summary = data?.job.summary;
  return (
    <section aria-labelledby="preview-heading" className="mt-6 rounded-lg border border-border p-4" data-testid="preview">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h3 id="preview-heading" className="text-sm font-semibold text-fg">
          Preview before the full run
        </h3>
        {jobId === null ? (
          <Button onClick={onStart} disabled={starting || request === null}>
            {starting ? "Starting the preview…" : "Preview 3 rows"}
          </Button>
        ) : (
          <Button onClick={onDiscard} disabled={discarding || data === undefined}>
            {ended ? "Discard the preview" : "Stop the preview"}
          </Button>
        )}
      </div>
      <p className="mt-1 text-sm text-muted">
        Writes 3 real rows with these models and settings, paid like any job (and within its budget), in no dataset.
      </p>
      {startError !== null && startError !== undefined && (
        <div className="mt-3">
          <FormError>Could not start the preview: {errorMessage(startError)}</FormError>
        </div>
      )}
      {preview.isError && (
        <div className="mt-3">
          <FormError>Could not read the preview: {errorMessage(preview.error)}</FormError>
        </div>
      )}
      {jobId !== null && data === undefined && !preview.isError && <p className="mt-3 text-sm text-muted">Starting…</p>}
      {data !== undefined && (
        <div className="mt-3 space-y-3" aria-live="polite">
          <p className="text-sm text-fg" data-testid="preview-status">
            {ended
              ? `Preview ${data.job.status}: ${data.rows.length} of 3 rows written.`
              : `Writing 3 rows… ${data.rows.length} done. ${data.job.activity.summary}`}
          </p>
          <p className="text-sm text-fg" data-testid="preview-cost">
            Cost: {costLine(data)}
          </p>
          {data.job.status === "failed" && data.job.error && <FormError>{data.job.error}</FormError>}
          {data.job.status === "paused" && data.job.pause_reason && <FormError>Paused: {data.job.pause_reason}</FormError>}
          {ended && <DemoModelNotice models={[String(data.job.config.teacher), String(data.job.config.student)]} made />}
          {data.rows.length > 0 && <PreviewRows preview={data} />}
          {summary && (
            <p className="text-sm text-muted" data-testid="preview-summary">
              {summary.judged} judged, {summary.structure_only} checked by structure only, {summary.removed} removed
              {summary.reasons.length > 0 ? `: ${summary.reasons.map((r) => `${r.reason} (${r.count})`).join("; ")}` : ""}.
            </p>
          )}
        </div>
      )}
    </section>
  );
}
