"use client";

import { PageHeader } from "@/components/ui/PageHeader";
import { useDatasets } from "@/hooks/queries/datasets";
import { useJobs } from "@/hooks/queries/jobs";

import { GettingStarted } from "./GettingStarted";
import { HealthLine } from "./HealthLine";
import { RECENT_DATASETS, RecentDatasets } from "./RecentDatasets";
import { RunningJobs } from "./RunningJobs";
import { SummaryCards } from "./SummaryCards";

/**
 * What to do next: a new installation's first steps, what there is, what is running and what it cost.
 * The operator's panels (workers, tasks, host) are under Settings → System.
 */
export function OverviewView() {
  const datasets = useDatasets(RECENT_DATASETS);
  const anyJob = useJobs({ page: 1, pageSize: 1, status: null });
  const fresh = datasets.data?.total === 0 && anyJob.data?.total === 0;
  return (
    <>
      <PageHeader
        title="Overview"
        description="What to do next: your datasets, the jobs running now and this month's spend."
      />
      <div className="space-y-4">
        <HealthLine />
        {fresh && <GettingStarted />}
        <SummaryCards />
        <div className="grid gap-4 lg:grid-cols-2">
          <RunningJobs />
          <RecentDatasets datasets={datasets} />
        </div>
      </div>
    </>
  );
}
