import { StatusBadge, type Tone } from "@/components/ui/StatusBadge";
import type { Job, JobStatus } from "@/hooks/queries/jobs";

const TONES: Record<JobStatus, Tone> = {
  pending: "neutral",
  running: "info",
  paused: "warn",
  completed: "ok",
  failed: "danger",
  cancelled: "neutral",
};

/**
 * The job's status, or where a running job really is: a job no worker has taken up yet is "queued"
 * (with its place in line), one no worker has touched for minutes is "stalled".
 */
export function JobStatusBadge({ status, activity }: { status: JobStatus; activity?: Job["activity"] }) {
  if (status === "running" && activity?.state === "queued") {
    return (
      <StatusBadge tone="neutral">
        {activity.queue_position ? `queued #${activity.queue_position}` : "queued"}
      </StatusBadge>
    );
  }
  if (status === "running" && activity?.state === "stalled") return <StatusBadge tone="warn">stalled</StatusBadge>;
  return (
    <StatusBadge tone={TONES[status]} pulse={status === "running"}>
      {status}
    </StatusBadge>
  );
}
