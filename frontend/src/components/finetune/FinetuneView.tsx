"use client";

import Link from "next/link";
import { useState } from "react";

import { Card } from "@/components/ui/Card";
import { PageHeader } from "@/components/ui/PageHeader";
import { Pagination } from "@/components/ui/Pagination";
import { LoadingRegion, Skeleton } from "@/components/ui/Skeleton";
import { EmptyState, ErrorState } from "@/components/ui/StateViews";
import { useMe } from "@/hooks/queries/auth";
import { useRuns } from "@/hooks/queries/finetune";

import { RunsTable } from "./RunsTable";
import { StartRunForm } from "./StartRunForm";

const PAGE_SIZE = 20;

function RunList() {
  const [page, setPage] = useState(1);
  const runs = useRuns(page, PAGE_SIZE);
  if (runs.isPending) {
    return (
      <LoadingRegion label="Loading runs…">
        <div className="space-y-3">
          {Array.from({ length: 4 }, (_, i) => (
            <Skeleton key={i} className="h-12 w-full" />
          ))}
        </div>
      </LoadingRegion>
    );
  }
  if (runs.isError && !runs.data) {
    return <ErrorState title="Could not load the runs" error={runs.error} onRetry={() => void runs.refetch()} />;
  }
  if (runs.data.total === 0) {
    return <EmptyState title="No fine-tune runs yet">Start one with the form: pick a dataset and keep the defaults.</EmptyState>;
  }
  return (
    <div className="space-y-4">
      <RunsTable runs={runs.data.items} />
      <Pagination page={page} pageSize={PAGE_SIZE} total={runs.data.total} onPage={setPage} label="Run pages" />
    </div>
  );
}

export function FinetuneView() {
  const me = useMe();
  const canStart = me.data?.role === "admin" || me.data?.role === "editor";
  return (
    <>
      <PageHeader
        title="Fine-tune"
        description="Train a LoRA adapter of the student on a dataset, then compare it with the base model."
        actions={
          <Link href="/finetune/provider/" className="text-sm font-medium text-accent hover:underline">
            Fine-tune through a provider
          </Link>
        }
      />
      <div className="space-y-4">
        <Card title="Start a fine-tune" labelledBy="finetune-start-title">
          <StartRunForm canStart={canStart} />
        </Card>
        <Card title="Runs" labelledBy="finetune-runs-title">
          <RunList />
        </Card>
      </div>
    </>
  );
}
