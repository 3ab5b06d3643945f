import { Card } from "@/components/ui/Card";
import { RelativeTime } from "@/components/ui/RelativeTime";
import { EmptyState } from "@/components/ui/StateViews";
import { StatusBadge } from "@/components/ui/StatusBadge";
import type { WorkerInfo } from "@/hooks/queries/system";

function WorkerRow({ worker }: { worker: WorkerInfo }) {
  return (
    <li className="flex flex-col gap-2 py-3 first:pt-0 last:pb-0 sm:flex-row sm:items-center sm:justify-between">
      <div className="min-w-0">
        <div className="flex flex-wrap items-center gap-2">
          <span className="truncate font-mono text-sm text-fg">{worker.worker}</span>
          <StatusBadge tone={worker.alive ? "ok" : "warn"}>{worker.alive ? "alive" : "stale"}</StatusBadge>
        </div>
        <p className="mt-1 text-xs text-muted">
          pid {worker.pid} on {worker.hostname} · last seen <RelativeTime value={worker.last_seen} /> · started{" "}
          <RelativeTime value={worker.started_at} />
        </p>
      </div>
      <ul aria-label="Queues" className="flex flex-wrap gap-1.5">
        {worker.queues.map((queue) => (
          <li key={queue} className="rounded border border-border px-1.5 py-0.5 font-mono text-xs text-muted">
            {queue}
          </li>
        ))}
      </ul>
    </li>
  );
}

/** Every worker that sent a heartbeat; "stale" means silent for longer than the API tolerates. */
export function WorkersCard({ workers }: { workers: WorkerInfo[] }) {
  const alive = workers.filter((w) => w.alive).length;
  return (
    <Card
      title="Workers"
      labelledBy="workers-title"
      aside={
        workers.length > 0 && (
          <StatusBadge tone={alive > 0 ? "ok" : "danger"}>
            {alive} of {workers.length} alive
          </StatusBadge>
        )
      }
    >
      {workers.length === 0 ? (
        <EmptyState title="No worker has reported in">
          Background tasks wait in the queue until one runs. Start one with{" "}
          <code className="font-mono text-fg">distillery worker</code>.
        </EmptyState>
      ) : (
        <ul className="divide-y divide-border">
          {workers.map((worker) => (
            <WorkerRow key={worker.worker} worker={worker} />
          ))}
        </ul>
      )}
    </Card>
  );
}
