"use client";

import Link from "next/link";
import { useSearchParams } from "next/navigation";

import { datasetHref } from "@/components/datasets/links";
import { LossChart } from "@/components/finetune/LossChart";
import { Button } from "@/components/ui/Button";
import { Card } from "@/components/ui/Card";
import { FormError } from "@/components/ui/Field";
import { PageHeader } from "@/components/ui/PageHeader";
import { LoadingRegion, Skeleton } from "@/components/ui/Skeleton";
import { EmptyState, ErrorState } from "@/components/ui/StateViews";
import { useMe } from "@/hooks/queries/auth";
import { isProviderRunActive, useCancelProviderRun, useProviderRun, type ProviderRun } from "@/hooks/queries/providerFinetune";
import { errorMessage } from "@/lib/api/client";

import { ProviderStatusBadge } from "./ProviderStatusBadge";

type ProviderEvent = { id: string; created_at: number; level: string; message: string; step: number | null; train_loss: number | null };

function asEvents(raw: ProviderRun["events"]): ProviderEvent[] {
  return raw.map((e) => ({
    id: String(e.id ?? ""),
    created_at: typeof e.created_at === "number" ? e.created_at : 0,
    level: String(e.level ?? "info"),
    message: String(e.message ?? ""),
    step: typeof e.step === "number" ? e.step : null,
    train_loss: typeof e.train_loss === "number" ? e.train_loss : null,
  }));
}

function Facts({ run }: { run: ProviderRun }) {
  const rows: [string, React.ReactNode][] = [
    ["Provider", run.provider],
    ["Base model", <span key="base" className="font-mono">{run.base_model}</span>],
    ["Job", run.job_id ? <span key="job" className="font-mono">{run.job_id}</span> : "not created yet"],
    ["Examples sent", run.examples ?? "—"],
    ["New model", run.model_id ? <span key="model" className="font-mono" data-testid="pft-model">{run.model_id}</span> : "—"],
    ["Trained tokens", run.trained_tokens === null ? "—" : run.trained_tokens.toLocaleString("en-US")],
    [
      "Estimated cost",
      run.cost_usd === null
        ? run.status === "succeeded"
          ? "unknown (no training price for this model)"
          : "—"
        : `$${Number(run.cost_usd).toFixed(6)} at $${Number(run.price_per_million).toFixed(2)} / 1M training tokens`,
    ],
  ];
  return (
    <dl className="grid gap-x-6 gap-y-2 text-sm sm:grid-cols-[12rem_1fr]">
      {rows.map(([label, value]) => (
        <div key={label} className="contents">
          <dt className="text-muted">{label}</dt>
          <dd className="text-fg">{value}</dd>
        </div>
      ))}
    </dl>
  );
}

function Events({ run }: { run: ProviderRun }) {
  const events = asEvents(run.events);
  if (events.length === 0) return <EmptyState title="No events yet">The provider&apos;s events appear once the job exists.</EmptyState>;
  return (
    <ol className="max-h-96 space-y-1 overflow-y-auto font-mono text-xs" aria-label="Provider events" data-testid="pft-events">
      {events.map((e) => (
        <li key={e.id} className={e.level === "error" ? "text-danger" : "text-fg"}>
          <span className="text-muted">{new Date(e.created_at * 1000).toISOString().slice(11, 19)} </span>
          {e.message}
        </li>
      ))}
    </ol>
  );
}

function CancelButton({ run }: { run: ProviderRun }) {
  const cancel = useCancelProviderRun(run.id);
  if (!isProviderRunActive(run.status)) return null;
  return (
    <div className="flex flex-wrap items-center gap-3">
      <Button variant="secondary" disabled={cancel.isPending || run.cancel_requested} onClick={() => cancel.mutate()}>
        {run.cancel_requested ? "Cancelling…" : "Cancel the job"}
      </Button>
      {cancel.isError && <FormError>{errorMessage(cancel.error)}</FormError>}
    </div>
  );
}

export function ProviderRunDetailView() {
  const id = useSearchParams().get("id");
  const run = useProviderRun(id);
  const me = useMe();
  const canControl = me.data?.role === "admin" || me.data?.role === "editor";
  const back = (
    <Link href="/finetune/provider/" className="text-sm font-medium text-accent hover:underline">
      Back to the provider runs
    </Link>
  );
  if (id === null) return <EmptyState title="No run chosen">{back}</EmptyState>;
  if (run.isPending) {
    return (
      <LoadingRegion label="Loading the run…">
        <Skeleton className="h-96 w-full" />
      </LoadingRegion>
    );
  }
  if (run.isError && !run.data) return <ErrorState title="Could not load the run" error={run.error} onRetry={() => void run.refetch()} />;
  const data = run.data;
  return (
    <>
      <PageHeader
        title={`Provider run: ${data.name}`}
        description={
          <span className="flex flex-wrap items-center gap-2">
            <span data-testid="pft-status">
              <ProviderStatusBadge status={data.status} />
            </span>
            <span>Updates: {isProviderRunActive(data.status) ? "every 3 s" : "finished"}</span>
            <span>· dataset version {data.dataset_version}</span>
          </span>
        }
        actions={
          <span className="flex gap-4">
            {back}
            <Link href={datasetHref(data.dataset_id)} className="text-sm font-medium text-accent hover:underline">
              Open the dataset
            </Link>
          </span>
        }
      />
      <div className="space-y-4">
        <Card title="Job" labelledBy="pft-job-title">
          <div className="space-y-4">
            <Facts run={data} />
            {data.error && <FormError>{data.error}</FormError>}
            {canControl && <CancelButton run={data} />}
            {data.model_id && (
              <p className="text-sm text-muted">
                Use <span className="font-mono text-fg">{data.model_id}</span> as the teacher or student of a generation job.
              </p>
            )}
          </div>
        </Card>
        <Card title="Training loss" labelledBy="pft-loss-title">
          <LossChart curve={data.curve} />
        </Card>
        <Card title="Events" labelledBy="pft-events-title">
          <Events run={data} />
        </Card>
      </div>
    </>
  );
}
