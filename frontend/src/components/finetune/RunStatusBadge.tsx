import { StatusBadge, type Tone } from "@/components/ui/StatusBadge";
import { isActive, type RunStatus } from "@/hooks/queries/finetune";

const TONES: Record<RunStatus, Tone> = {
  queued: "neutral",
  running: "info",
  evaluating: "info",
  completed: "ok",
  failed: "danger",
  cancelled: "warn",
};

export function RunStatusBadge({ status }: { status: RunStatus }) {
  return (
    <StatusBadge tone={TONES[status]} pulse={isActive(status) && status !== "queued"}>
      {status}
    </StatusBadge>
  );
}
