"use client";

import Link from "next/link";
import { useSearchParams } from "next/navigation";

import { datasetHref } from "@/components/datasets/links";
import { Card } from "@/components/ui/Card";
import { PageHeader } from "@/components/ui/PageHeader";
import { LoadingRegion, Skeleton } from "@/components/ui/Skeleton";
import { EmptyState, ErrorState } from "@/components/ui/StateViews";
import { useMe } from "@/hooks/queries/auth";
import { isActive, useRun, type Run } from "@/hooks/queries/finetune";
import { ApiError } from "@/lib/api/client";

import { parseEvaluation, type Evaluation } from "./evaluation";
import { EvaluationTable } from "./EvaluationTable";
import { LossChart } from "./LossChart";
import { OptimizerChart } from "./OptimizerChart";
import { Playground } from "./Playground";
import { RunFiles } from "./RunFiles";
import { RunHubPush } from "./RunHubPush";
import { RunControls, RunProgress } from "./RunProgress";
import { RunStatusBadge } from "./RunStatusBadge";
import { SampleAnswers } from "./SampleAnswers";
import { SideBySide } from "./SideBySide";
import { WinRates } from "./WinRates";

const BACK = (
  <Link href="/finetune/" className="text-sm font-medium text-accent hover:underline">
    Back to the runs
  </Link>
);

function Header({ run }: { run: Run }) {
  return (
    <PageHeader
      title={`Run: ${run.name}`}
      description={
        <span className="flex flex-wrap items-center gap-2">
          <span data-testid="run-status">
            <RunStatusBadge status={run.status} />
          </span>
          <span data-testid="live-mode">Updates: {isActive(run.status) ? "every 2 s" : "finished"}</span>
          <span>· dataset version {run.dataset_version}</span>
        </span>
      }
      actions={
        <Link href={datasetHref(run.dataset_id)} className="text-sm font-medium text-accent hover:underline">
          Open the dataset
        </Link>
      }
    />
  );
}

function EvaluationCards({ run }: { run: Run }) {
  const evaluation = parseEvaluation(run.evaluation);
  if (!evaluation) {
    const why =
      run.status === "evaluating"
        ? "The held-out rows are being answered…"
        : run.status === "completed"
          ? "This run was not evaluated."
          : "The evaluation appears when training has finished.";
    return (
      <Card title="Evaluation" labelledBy="run-eval-title">
        <p className="text-sm text-muted">{why}</p>
      </Card>
    );
  }
  return (
    <>
      <EvaluationSection evaluation={evaluation} id="run" />
      {evaluation.gold && <EvaluationSection evaluation={evaluation.gold} id="gold" />}
    </>
  );
}

/** One row set's evaluation: the scores, the judge's win rates, and the answers side by side. */
function EvaluationSection({ evaluation, id }: { evaluation: Evaluation; id: string }) {
  const on = evaluation.source === "gold" ? " on the gold set" : "";
  return (
    <>
      <Card title={`Evaluation${on}: base vs tuned`} labelledBy={`${id}-eval-title`}>
        <EvaluationTable evaluation={evaluation} />
      </Card>
      {evaluation.comparisons.length > 0 && (
        <Card title={`Judge win rates${on}`} labelledBy={`${id}-winrates-title`}>
          <WinRates comparisons={evaluation.comparisons} />
        </Card>
      )}
      <Card title={`${evaluation.sideBySide.length > 0 ? "Side by side" : "Sample answers"}${on}`} labelledBy={`${id}-samples-title`}>
        {evaluation.sideBySide.length > 0 ? (
          <SideBySide rows={evaluation.sideBySide} />
        ) : (
          <SampleAnswers evaluation={evaluation} />
        )}
      </Card>
    </>
  );
}

function RunBody({ run, canControl, canDownload }: { run: Run; canControl: boolean; canDownload: boolean }) {
  return (
    <>
      <Header run={run} />
      <div className="space-y-4">
        {run.error && (
          <div role="status" className="rounded-lg border border-warn/40 bg-warn-soft px-4 py-3 text-sm text-fg">
            {run.error}
          </div>
        )}
        <Card title="Progress" labelledBy="run-progress-title" aside={<RunControls run={run} canControl={canControl} />}>
          <RunProgress run={run} />
        </Card>
        <Card title="Loss" labelledBy="run-loss-title">
          <LossChart curve={run.curve} />
        </Card>
        <Card title="Learning rate and gradient norm" labelledBy="run-optimizer-title">
          <OptimizerChart curve={run.curve} />
        </Card>
        <Card title="Files" labelledBy="run-files-title">
          <RunFiles run={run} canDownload={canDownload} />
        </Card>
        <Card title="Push to the Hub" labelledBy="run-hub-title">
          <RunHubPush run={run} canPush={canDownload} />
        </Card>
        <EvaluationCards run={run} />
        <Card title="Playground" labelledBy="run-playground-title">
          <Playground run={run} canUse={canControl} />
        </Card>
      </div>
    </>
  );
}

export function RunDetailView() {
  const id = useSearchParams().get("id");
  const run = useRun(id);
  const me = useMe();
  const canControl = me.data?.role === "admin" || me.data?.role === "editor";

  if (!id) return <EmptyState title="No run chosen" action={BACK}>Pick a run from the list.</EmptyState>;
  if (run.isPending) {
    return (
      <LoadingRegion label="Loading the run…">
        <Skeleton className="mb-6 h-12 w-2/3" />
        <Skeleton className="h-64 w-full" />
      </LoadingRegion>
    );
  }
  if (run.isError && !run.data) {
    if (run.error instanceof ApiError && (run.error.status === 404 || run.error.status === 422)) {
      return <EmptyState title="There is no such run" action={BACK}>The link may be incomplete.</EmptyState>;
    }
    return <ErrorState title="Could not load the run" error={run.error} onRetry={() => void run.refetch()} />;
  }
  const canDownload = me.data?.role === "admin" || (me.data?.role === "editor" && me.data.id === run.data.owner_id);
  return <RunBody run={run.data} canControl={canControl} canDownload={canDownload} />;
}
