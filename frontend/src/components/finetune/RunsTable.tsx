import Link from "next/link";

import { ProgressBar } from "@/components/jobs/ProgressBar";
import { RelativeTime } from "@/components/ui/RelativeTime";
import type { Run } from "@/hooks/queries/finetune";

import { runHref } from "./links";
import { RunStatusBadge } from "./RunStatusBadge";

/** Steps done of the planned total, in words: "12 / 40 steps" or "12 steps" before the total is known. */
export function stepsText(run: Run): string {
  return run.total_steps ? `${run.step} / ${run.total_steps} steps` : `${run.step} steps`;
}

function loss(value: number | null): string {
  return value === null ? "—" : value.toFixed(3);
}

export function RunsTable({ runs }: { runs: Run[] }) {
  return (
    <div tabIndex={0} className="-mx-4 overflow-x-auto sm:mx-0">
      <table className="w-full min-w-[40rem] text-left text-sm" aria-label="Fine-tune runs">
        <thead className="border-b border-border text-xs uppercase tracking-wide text-muted">
          <tr>
            <th scope="col" className="px-4 py-2 font-medium sm:px-2">Run</th>
            <th scope="col" className="px-2 py-2 font-medium">Status</th>
            <th scope="col" className="w-1/4 px-2 py-2 font-medium">Progress</th>
            <th scope="col" className="px-2 py-2 text-right font-medium">Train / held-out loss</th>
            <th scope="col" className="px-2 py-2 font-medium">Started</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-border">
          {runs.map((run) => (
            <tr key={run.id} className="hover:bg-surface-muted/60">
              <td className="px-4 py-2.5 sm:px-2">
                <Link href={runHref(run.id)} className="font-medium text-accent hover:underline">
                  {run.name}
                </Link>
                <div className="font-mono text-xs text-muted">{run.id.slice(0, 8)}</div>
              </td>
              <td className="px-2 py-2.5">
                <RunStatusBadge status={run.status} />
              </td>
              <td className="px-2 py-2.5">
                <div className="mb-1 text-xs tabular-nums text-muted">{stepsText(run)}</div>
                <ProgressBar label={`Progress of run ${run.name}`} value={run.step} max={run.total_steps ?? 0} />
              </td>
              <td className="px-2 py-2.5 text-right tabular-nums">
                {loss(run.train_loss)} / {loss(run.eval_loss)}
              </td>
              <td className="px-2 py-2.5 text-muted">
                <RelativeTime value={run.created_at} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
