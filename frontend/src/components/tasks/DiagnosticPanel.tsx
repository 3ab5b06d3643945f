"use client";

import { Button } from "@/components/ui/Button";
import { Card } from "@/components/ui/Card";
import { PlayIcon } from "@/components/ui/icons";
import { ErrorState } from "@/components/ui/StateViews";
import { StatusBadge, taskTone } from "@/components/ui/StatusBadge";
import { useMe } from "@/hooks/queries/auth";
import { useRunDiagnostic } from "@/hooks/queries/system";
import { isFinished, useTask, type TaskRecord } from "@/hooks/queries/tasks";
import { useNow } from "@/hooks/useNow";
import { errorMessage } from "@/lib/api/client";
import { parseDate } from "@/lib/format";

/** After this long in the queue, say that maybe no worker is running. */
const NO_WORKER_HINT_AFTER_S = 15;

function field(result: TaskRecord["result"], key: string): string {
  const value = result?.[key];
  if (typeof value === "boolean") return value ? "yes" : "no";
  return value === undefined || value === null ? "—" : String(value);
}

function Answer({ task }: { task: TaskRecord }) {
  const rows: [string, string][] = [
    ["Worker", task.worker ?? "—"],
    ["Process id", field(task.result, "pid")],
    ["Hostname", field(task.result, "hostname")],
    ["Python", field(task.result, "python")],
    ["Distillery", field(task.result, "version")],
    ["Bundled model installed", field(task.result, "bundled_model_installed")],
  ];
  return (
    <dl data-testid="diagnostic-answer" className="mt-3 grid grid-cols-2 gap-x-6 gap-y-3 text-sm lg:grid-cols-3">
      {rows.map(([term, value]) => (
        <div key={term} className="min-w-0">
          <dt className="text-xs text-muted">{term}</dt>
          <dd className="truncate font-mono text-fg" title={value}>
            {value}
          </dd>
        </div>
      ))}
    </dl>
  );
}

function Progress({ task }: { task: TaskRecord }) {
  const now = useNow();
  const waited = Math.max(0, Math.round((now - parseDate(task.created_at).getTime()) / 1000));
  if (task.status === "running") return <p className="text-sm text-muted">A worker picked it up and is answering…</p>;
  return (
    <p className="text-sm text-muted">
      Waiting for a worker to pick it up… <span className="tabular-nums">{waited} s</span>
      {waited >= NO_WORKER_HINT_AFTER_S && (
        <span className="mt-1 block text-warn">
          Still queued: is a worker running? Start one with <code className="font-mono">distillery worker</code>.
        </span>
      )}
    </p>
  );
}

function TaskOutcome({ task }: { task: TaskRecord }) {
  return (
    <div>
      <div className="flex flex-wrap items-center gap-2">
        <StatusBadge tone={taskTone(task.status)} pulse={!isFinished(task.status)}>
          {task.status}
        </StatusBadge>
        <span className="font-mono text-xs text-muted">task {task.id.slice(0, 8)}</span>
      </div>
      <div className="mt-2">
        {task.status === "succeeded" && <Answer task={task} />}
        {task.status === "failed" && (
          <p className="break-words text-sm text-danger">{task.error ?? "The task failed without a reason."}</p>
        )}
        {!isFinished(task.status) && <Progress task={task} />}
      </div>
    </div>
  );
}

/** Sends a probe through the broker and follows it until a worker has answered with its identity. */
export function DiagnosticPanel() {
  const me = useMe();
  const run = useRunDiagnostic();
  const task = useTask(run.data?.id ?? null);
  const canRun = me.data !== undefined && me.data.role !== "viewer";
  const following = task.data !== undefined && !isFinished(task.data.status);

  return (
    <Card
      title="Worker diagnostic"
      labelledBy="diagnostic-title"
      aside={
        <Button variant="primary" onClick={() => run.mutate()} disabled={!canRun || run.isPending || following}>
          <PlayIcon />
          {run.isPending || following ? "Running…" : "Run worker diagnostic"}
        </Button>
      }
    >
      <p className="text-sm text-muted">
        Sends a probe task through the broker. The worker that runs it answers with its process id and host: proof,
        end to end, that the broker delivers tasks and a worker runs them.
      </p>
      {!canRun && me.data && (
        <p className="mt-2 text-sm text-warn">Viewers cannot send tasks; ask an admin or an editor.</p>
      )}
      <div aria-live="polite" data-testid="diagnostic-result" className="mt-4 empty:hidden">
        {run.isError && <ErrorState title="Could not send the probe" error={run.error} />}
        {task.data && <TaskOutcome task={task.data} />}
        {task.isError && !task.data && (
          <p role="alert" className="text-sm text-danger">
            Lost track of the task: {errorMessage(task.error)}
          </p>
        )}
      </div>
    </Card>
  );
}
