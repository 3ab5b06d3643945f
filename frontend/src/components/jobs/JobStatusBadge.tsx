import { StatusBadge, type Tone } from "@/components/ui/StatusBadge";
import type { JobStatus } from "@/hooks/queries/jobs";

const TONES: Record<JobStatus, Tone> = {
  pending: "neutral",
  running: "info",
  paused: "warn",
  completed: "ok",
  failed: "danger",
  cancelled: "neutral",
};

export function JobStatusBadge({ status }: { status: JobStatus }) {
  return (
    <StatusBadge tone={TONES[status]} pulse={status === "running"}>
      {status}
    </StatusBadge>
  );
}
