"use client";

import Link from "next/link";

import { SettingsSections } from "@/components/settings/SettingsSections";
import { Button } from "@/components/ui/Button";
import { RefreshIcon } from "@/components/ui/icons";
import { LiveIndicator } from "@/components/ui/LiveIndicator";
import { PageHeader } from "@/components/ui/PageHeader";
import { LoadingRegion, Skeleton } from "@/components/ui/Skeleton";
import { ErrorState } from "@/components/ui/StateViews";
import { SYSTEM_POLL_MS, useSystemStatus } from "@/hooks/queries/system";
import { errorMessage } from "@/lib/api/client";

import { HealthCards } from "./HealthCards";
import { PlatformCard } from "./PlatformCard";
import { ResourcesCard } from "./ResourcesCard";
import { TasksByStatusChart } from "./TasksByStatusChart";
import { WorkersCard } from "./WorkersCard";

function SystemSkeleton() {
  return (
    <LoadingRegion label="Loading system status…">
      <div className="grid gap-4 sm:grid-cols-3">
        {[0, 1, 2].map((i) => (
          <Skeleton key={i} className="h-28" />
        ))}
      </div>
      <div className="mt-4 grid gap-4 lg:grid-cols-3">
        <div className="flex flex-col gap-4 lg:col-span-2">
          <Skeleton className="h-32" />
          <Skeleton className="h-72" />
        </div>
        <div className="flex flex-col gap-4">
          <Skeleton className="h-48" />
          <Skeleton className="h-56" />
        </div>
      </div>
    </LoadingRegion>
  );
}

/** The operator's page under Settings: health of the API, database and broker, the workers, tasks, host. */
export function SystemView() {
  const query = useSystemStatus();
  const { data, error, isFetching } = query;
  const retry = () => void query.refetch();

  return (
    <>
      <PageHeader
        title="System"
        description={
          <>
            The platform&apos;s health, its workers and the host they run on. Each background task is listed under{" "}
            <Link href="/tasks/" className="font-medium text-accent hover:underline">
              Tasks
            </Link>
            .
          </>
        }
        actions={
          data && (
            <LiveIndicator
              updatedAt={query.dataUpdatedAt}
              fetching={isFetching}
              failed={query.isError}
              everyMs={SYSTEM_POLL_MS}
            />
          )
        }
      />
      <SettingsSections />
      {query.isPending ? (
        <SystemSkeleton />
      ) : (
        <div className="space-y-4">
          {error && data && (
            <div role="alert" className="flex flex-col gap-3 rounded-lg border border-warn/40 bg-warn-soft px-4 py-3 text-sm sm:flex-row sm:items-center sm:justify-between">
              <p className="text-fg">
                <span className="font-semibold">Live updates are failing:</span> {errorMessage(error)} Showing the last
                status received.
              </p>
              <Button onClick={retry} disabled={isFetching}>
                <RefreshIcon /> Retry
              </Button>
            </div>
          )}
          <HealthCards status={data} error={error && !data ? error : null} />
          {data ? (
            <div className="grid gap-4 lg:grid-cols-3">
              <div className="flex min-w-0 flex-col gap-4 lg:col-span-2">
                <WorkersCard workers={data.workers} />
                <TasksByStatusChart counts={data.tasks_by_status} />
              </div>
              <div className="flex min-w-0 flex-col gap-4">
                <PlatformCard status={data} />
                <ResourcesCard resources={data.resources} />
              </div>
            </div>
          ) : (
            <ErrorState title="Could not load the system status" error={error} onRetry={retry} retrying={isFetching} />
          )}
        </div>
      )}
    </>
  );
}
