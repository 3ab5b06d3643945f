import { StatusBadge, type Tone } from "@/components/ui/StatusBadge";
import { isProviderRunActive } from "@/hooks/queries/providerFinetune";

const TONES: Record<string, Tone> = {
  queued: "neutral",
  validating_files: "info",
  running: "info",
  succeeded: "ok",
  failed: "danger",
  cancelled: "warn",
};

/** The provider job's status, in OpenAI's words (queued until a worker has sent the file). */
export function ProviderStatusBadge({ status }: { status: string }) {
  return (
    <StatusBadge tone={TONES[status] ?? "neutral"} pulse={isProviderRunActive(status) && status !== "queued"}>
      {status.replace("_", " ")}
    </StatusBadge>
  );
}
