"use client";

import Link from "next/link";

import { Button } from "@/components/ui/Button";
import { RefreshIcon } from "@/components/ui/icons";
import { useSystemStatus, type TimedStatus } from "@/hooks/queries/system";
import { ApiError, errorMessage } from "@/lib/api/client";

const SYSTEM = "/settings/system/";
const BOX = "flex flex-col gap-2 rounded-lg border px-4 py-2.5 text-sm sm:flex-row sm:items-center sm:justify-between";

/** What is wrong with the platform, in words; empty when everything answers and a worker is alive. */
export function healthProblems(status: TimedStatus): string[] {
  const problems: string[] = [];
  if (status.health.database.status !== "ok") problems.push("the database is down");
  if (status.health.broker.status !== "ok") problems.push("the broker is down");
  if (!status.workers.some((worker) => worker.alive)) problems.push("no worker is alive, so jobs wait");
  return problems;
}

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** The platform's health in one line; when something is wrong it says what and links to Settings → System. */
export function HealthLine() {
  const query = useSystemStatus();
  const { data } = query;
  if (query.isPending) {
    return (
      <p role="status" className={`${BOX} border-border text-muted`} data-testid="health-line">
        Checking the platform…
      </p>
    );
  }
  if (!data) {
    return (
      <div role="alert" className={`${BOX} border-danger/30 bg-danger-soft`} data-testid="health-line">
        <p className="text-fg">
          <span className="font-semibold text-danger">Could not check the platform:</span>{" "}
          {/* The shell's banner gives the hint for an API that does not answer, once. */}
          {query.error instanceof ApiError && query.error.isNetworkError ? "No answer from the API." : errorMessage(query.error)}
        </p>
        <div className="flex shrink-0 items-center gap-3">
          <Link href={SYSTEM} className="font-medium text-accent hover:underline">
            Open Settings → System
          </Link>
          <Button size="sm" onClick={() => void query.refetch()} disabled={query.isFetching}>
            <RefreshIcon /> Retry
          </Button>
        </div>
      </div>
    );
  }
  const problems = healthProblems(data);
  if (problems.length > 0) {
    return (
      <div role="alert" className={`${BOX} border-warn/40 bg-warn-soft`} data-testid="health-line">
        <p className="text-fg">
          <span className="font-semibold">Something needs attention:</span> {capitalised(problems.join("; "))}.
        </p>
        <Link href={SYSTEM} className="shrink-0 font-medium text-accent hover:underline">
          Open Settings → System
        </Link>
      </div>
    );
  }
  const alive = data.workers.filter((worker) => worker.alive).length;
  return (
    <div className={`${BOX} border-border bg-surface`} data-testid="health-line">
      <p className="flex items-center gap-2 text-muted">
        <span aria-hidden="true" className="size-2 rounded-full bg-ok" />
        All systems working: the API, the database, the broker and {alive} worker{alive === 1 ? "" : "s"}.
      </p>
      <Link href={SYSTEM} className="shrink-0 text-muted hover:text-fg hover:underline">
        System details
      </Link>
    </div>
  );
}
