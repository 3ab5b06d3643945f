import { Card } from "@/components/ui/Card";
import { StatusBadge } from "@/components/ui/StatusBadge";
import type { Check, TimedStatus } from "@/hooks/queries/system";
import { errorMessage } from "@/lib/api/client";
import { formatMs } from "@/lib/format";

type HealthCardProps = {
  name: string;
  state: "ok" | "down" | "unknown";
  latency: string | null;
  latencyLabel: string;
  detail: string | null;
};

function HealthCard({ name, state, latency, latencyLabel, detail }: HealthCardProps) {
  const id = `health-${name.toLowerCase()}`;
  const tone = state === "ok" ? "ok" : state === "down" ? "danger" : "neutral";
  return (
    <Card
      title={name}
      labelledBy={id}
      aside={<StatusBadge tone={tone}>{state}</StatusBadge>}
      className={state === "down" ? "border-danger/40" : ""}
    >
      <p className="text-2xl font-semibold tabular-nums text-fg">{latency ?? "—"}</p>
      <p className="text-xs text-muted">{latencyLabel}</p>
      {detail && (
        <p className={`mt-2 break-words text-sm ${state === "down" ? "text-danger" : "text-muted"}`}>{detail}</p>
      )}
    </Card>
  );
}

function fromCheck(name: string, check: Check | undefined): HealthCardProps {
  if (!check) {
    return { name, state: "unknown", latency: null, latencyLabel: "check latency", detail: "No answer from the API." };
  }
  return {
    name,
    state: check.status,
    latency: check.latency_ms == null ? null : formatMs(check.latency_ms),
    latencyLabel: "check latency",
    detail: check.detail ?? null,
  };
}

type HealthCardsProps = { status: TimedStatus | undefined; error: unknown };

/** API, database and broker: up or down, how fast, and why when down. */
export function HealthCards({ status, error }: HealthCardsProps) {
  const apiDown = Boolean(error);
  return (
    <div className="grid gap-4 sm:grid-cols-3">
      <HealthCard
        name="API"
        state={apiDown ? "down" : "ok"}
        latency={status && !apiDown ? formatMs(status.roundTripMs) : null}
        latencyLabel="round trip from this browser"
        detail={apiDown ? errorMessage(error) : null}
      />
      <HealthCard {...fromCheck("Database", apiDown ? undefined : status?.health.database)} />
      <HealthCard {...fromCheck("Broker", apiDown ? undefined : status?.health.broker)} />
    </div>
  );
}
