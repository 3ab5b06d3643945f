"use client";

import { Button } from "@/components/ui/Button";
import { FormError } from "@/components/ui/Field";
import { allowedActions, useJobAction, type Job, type JobAction } from "@/hooks/queries/jobs";
import { errorMessage } from "@/lib/api/client";

const LABELS: Record<JobAction, string> = { pause: "Pause", resume: "Resume", cancel: "Cancel", retry: "Retry failed" };
const ORDER: readonly JobAction[] = ["pause", "resume", "retry", "cancel"];

type JobControlsProps = { job: Job; canControl: boolean };

/** Pause / resume / cancel / retry, each enabled only when the API would accept it for the job's state. */
export function JobControls({ job, canControl }: JobControlsProps) {
  const action = useJobAction(job.id);
  const hasFailures = job.stages.some((s) => s.rejected + s.failed > 0);
  const allowed = allowedActions(job.status, hasFailures);
  return (
    <div className="flex flex-col items-stretch gap-2 sm:items-end">
      <div role="group" aria-label="Job controls" className="flex flex-wrap gap-2">
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
      {!canControl && <p className="text-xs text-muted">Viewers can watch jobs but not control them.</p>}
      {action.isError && <FormError>{errorMessage(action.error)}</FormError>}
    </div>
  );
}
