import type { Job } from "@/hooks/queries/jobs";

import { ProgressBar } from "./ProgressBar";

const STAGE_LABELS: Record<string, string> = {
  seed: "Seed rows (teacher)",
  policy: "Task policy (teacher)",
  bulk: "Bulk rows (student)",
  judge: "Rows judged",
  regenerate: "Rows written anew",
  relabel: "Your prompts answered (teacher)",
  preference: "Pairs decided (teacher vs student, judged twice)",
};
/** A seed-amplification job's seed rows are the user's examples, each traced by the teacher. */
const AMPLIFY_LABELS: Record<string, string> = { ...STAGE_LABELS, seed: "Your examples (traced by the teacher)" };

/** Items of each stage by state: done of total as a bar, the rest as counts. */
export function StageList({ job }: { job: Job }) {
  if (job.stages.length === 0) return <p className="text-sm text-muted">No work has been planned yet.</p>;
  return (
    <ul className="space-y-4">
      {job.stages.map((stage) => {
        const label = (job.kind === "amplify" ? AMPLIFY_LABELS : STAGE_LABELS)[stage.stage] ?? stage.stage;
        const finished = stage.done + stage.rejected + stage.failed;
        return (
          <li key={stage.stage} data-testid={`stage-${stage.stage}`}>
            <div className="mb-1.5 flex flex-wrap items-baseline justify-between gap-2 text-sm">
              <span className="font-medium text-fg">
                {label}
                {job.stage === stage.stage && job.status === "running" && (
                  <span className="ml-2 text-xs font-normal text-info">in progress</span>
                )}
              </span>
              <span className="tabular-nums text-fg">
                {finished} / {stage.total} finished
              </span>
            </div>
            <ProgressBar
              label={label}
              value={finished}
              max={stage.total}
              valueText={`${finished} of ${stage.total} finished`}
            />
            <p className="mt-1 text-xs tabular-nums text-muted">
              {stage.done} done · {stage.leased} in flight · {stage.pending} waiting · {stage.rejected} rejected ·{" "}
              {stage.failed} failed
            </p>
          </li>
        );
      })}
    </ul>
  );
}
