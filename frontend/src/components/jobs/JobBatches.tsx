import { Card } from "@/components/ui/Card";
import { RelativeTime } from "@/components/ui/RelativeTime";
import { StatusBadge, type Tone } from "@/components/ui/StatusBadge";
import type { Job } from "@/hooks/queries/jobs";

import { ProgressBar } from "./ProgressBar";

type Batch = NonNullable<Job["batches"]>[number];

const ENDED: Record<string, Tone> = { completed: "ok", expired: "warn", cancelled: "warn", failed: "danger" };

function stateText(batch: Batch): string {
  return batch.state.replaceAll("_", " ");
}

function BatchRow({ batch }: { batch: Batch }) {
  const pending = !(batch.state in ENDED);
  const label = `Batch ${batch.batch_id}`;
  const failed = batch.failed > 0 ? `, ${batch.failed} failed (sent online)` : "";
  return (
    <li className="space-y-2 rounded-lg border border-border p-3" data-testid="job-batch">
      <div className="flex flex-wrap items-center justify-between gap-2 text-sm">
        <span className="min-w-0">
          <code className="break-all font-mono text-xs text-fg">{batch.batch_id}</code>
          <span className="ml-2 text-muted">{batch.model}</span>
        </span>
        <StatusBadge tone={ENDED[batch.state] ?? "info"} pulse={pending}>
          {stateText(batch)}
        </StatusBadge>
      </div>
      <ProgressBar label={label} value={batch.answered} max={batch.total} valueText={`${batch.answered} of ${batch.total} answered${failed}`} />
      <p className="text-xs text-muted">
        {batch.answered} of {batch.total} answered{failed} · submitted <RelativeTime value={batch.submitted_at} />, checked{" "}
        <RelativeTime value={batch.checked_at} />
      </p>
    </li>
  );
}

/** A batch-delivery job's provider batches: "batch submitted / N of M answered", one line per batch. */
export function JobBatches({ job }: { job: Job }) {
  if (job.delivery !== "batch") return null;
  const batches = job.batches ?? [];
  return (
    <Card title="Provider batches" labelledBy="job-batches-title">
      <p className="mb-3 text-sm text-muted">
        Rows, judging and fixes go through the providers&apos; batch APIs at half the price; a batch answers within hours.
      </p>
      {batches.length === 0 ? (
        <p className="text-sm text-muted" data-testid="job-batches-empty">
          No batch submitted yet.
        </p>
      ) : (
        <ul className="space-y-3" aria-label="Provider batches">
          {batches.map((batch) => (
            <BatchRow key={batch.batch_id} batch={batch} />
          ))}
        </ul>
      )}
    </Card>
  );
}
