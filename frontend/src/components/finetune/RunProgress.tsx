"use client";

import { ProgressBar } from "@/components/jobs/ProgressBar";
import { Button } from "@/components/ui/Button";
import { FormError } from "@/components/ui/Field";
import { allowedRunActions, useRunAction, type Run, type RunAction } from "@/hooks/queries/finetune";
import { useNow } from "@/hooks/useNow";
import { errorMessage } from "@/lib/api/client";
import { formatDuration } from "@/lib/format";

import { stepsText } from "./RunsTable";

const LABELS: Record<RunAction, string> = { cancel: "Cancel", resume: "Resume" };
const ORDER: readonly RunAction[] = ["resume", "cancel"];

/** Cancel / resume, each enabled only when the API would accept it for the run's state. */
export function RunControls({ run, canControl }: { run: Run; canControl: boolean }) {
  const action = useRunAction(run.id);
  const allowed = allowedRunActions(run);
  return (
    <div className="flex flex-col items-stretch gap-2 sm:items-end">
      <div role="group" aria-label="Run controls" className="flex flex-wrap gap-2">
        {ORDER.map((name) => (
          <Button
            key={name}
            variant={name === "cancel" ? "danger" : "secondary"}
            disabled={!canControl || !allowed[name] || action.isPending}
            onClick={() => action.mutate(name)}
          >
            {action.isPending && action.variables === name ? `${LABELS[name]}…` : LABELS[name]}
          </Button>
        ))}
      </div>
      {run.stop_requested && run.status !== "cancelled" && <p className="text-xs text-muted">Stopping at the next step…</p>}
      {!canControl && <p className="text-xs text-muted">Viewers can watch runs but not control them.</p>}
      {action.isError && <FormError>{errorMessage(action.error)}</FormError>}
    </div>
  );
}

function Stat({ label, children, testId }: { label: string; children: React.ReactNode; testId?: string }) {
  return (
    <div className="min-w-0 rounded-lg border border-border p-3">
      <dt className="text-xs font-medium uppercase tracking-wide text-muted">{label}</dt>
      <dd className="mt-1 text-lg font-semibold tabular-nums text-fg" data-testid={testId}>
        {children}
      </dd>
    </div>
  );
}

const fixed = (v: number | null, digits = 3) => (v === null ? "—" : v.toFixed(digits));

/** Steps done of the total as a bar, the speed, the latest losses and how long it took. */
export function RunProgress({ run }: { run: Run }) {
  const now = useNow();
  const total = run.total_steps ?? 0;
  const took = run.started_at ? formatDuration(run.started_at, run.finished_at ?? new Date(now).toISOString()) : "not started";
  return (
    <div className="space-y-4">
      <div>
        <div className="mb-1.5 flex items-baseline justify-between text-sm">
          <span className="font-medium text-fg">Training steps</span>
          <span className="tabular-nums text-fg" data-testid="run-steps">
            {stepsText(run)}
          </span>
        </div>
        <ProgressBar label="Training steps" value={run.step} max={total} valueText={stepsText(run)} />
      </div>
      <dl className="grid grid-cols-2 gap-3 lg:grid-cols-4">
        <Stat label="Speed" testId="run-speed">
          {run.tokens_per_s === null ? "—" : `${Math.round(run.tokens_per_s)} tokens/s`}
        </Stat>
        <Stat label="Train loss">{fixed(run.train_loss)}</Stat>
        <Stat label="Held-out loss">{fixed(run.eval_loss)}</Stat>
        <Stat label={run.finished_at ? "Duration" : "Running for"}>{took}</Stat>
      </dl>
    </div>
  );
}
