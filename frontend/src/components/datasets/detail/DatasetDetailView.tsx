"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";

import { ActionMenu } from "@/components/ui/ActionMenu";
import { Button, buttonVariants } from "@/components/ui/Button";
import { DownloadIcon } from "@/components/ui/icons";
import { PageHeader } from "@/components/ui/PageHeader";
import { RelativeTime } from "@/components/ui/RelativeTime";
import { LoadingRegion, Skeleton } from "@/components/ui/Skeleton";
import { EmptyState, ErrorState } from "@/components/ui/StateViews";
import { TabPanel, Tabs } from "@/components/ui/Tabs";
import { useMe } from "@/hooks/queries/auth";
import { useDataset, type DatasetDetail } from "@/hooks/queries/datasets";
import { parseChoice, useSearchState } from "@/hooks/useSearchState";
import { ApiError } from "@/lib/api/client";

import { canChange, canCreate, dataTypeLabel } from "../constants";
import { DatasetDialogs, type OpenDialog } from "../DatasetDialogs";
import { DuplicatesPanel } from "./DuplicatesPanel";
import { ExamplesPanel } from "./ExamplesPanel";
import { ExportDialog } from "./ExportDialog";
import { OverviewPanel } from "./OverviewPanel";
import { QualityDialog } from "./QualityDialog";
import { ThresholdPanel } from "./ThresholdPanel";
import { VersionsPanel } from "./VersionsPanel";

const TABS = [
  { id: "overview", label: "Overview" },
  { id: "examples", label: "Examples" },
  { id: "threshold", label: "Threshold" },
  { id: "versions", label: "Versions" },
  { id: "duplicates", label: "Duplicates" },
] as const;
type TabId = (typeof TABS)[number]["id"];
const TAB_IDS: readonly TabId[] = TABS.map((t) => t.id);

const BACK = (
  <Link href="/datasets/" className="text-sm font-medium text-accent hover:underline">
    Back to the datasets
  </Link>
);

function Missing({ error, onRetry, retrying }: { error: unknown; onRetry: () => void; retrying: boolean }) {
  if (error instanceof ApiError && (error.status === 404 || error.status === 422)) {
    return (
      <EmptyState title="There is no such dataset" action={BACK}>
        It may have been deleted, or the link is incomplete.
      </EmptyState>
    );
  }
  return <ErrorState title="Could not load the dataset" error={error} onRetry={onRetry} retrying={retrying} />;
}

function Subtitle({ dataset }: { dataset: DatasetDetail }) {
  const domain = dataset.domain && `${dataset.domain}${dataset.subdomain ? ` / ${dataset.subdomain}` : ""}`;
  const parts = [dataTypeLabel(dataset.data_type), domain, `v${dataset.version}`].filter(Boolean);
  return (
    <span>
      {parts.join(" · ")} · created <RelativeTime value={dataset.created_at} />
    </span>
  );
}

/** One dataset: overview, examples, a score threshold, versions and duplicates in tabs; export, sample, split and delete. */
export function DatasetDetailView() {
  const router = useRouter();
  const { params, update } = useSearchState();
  const id = params.get("id") ?? "";
  const tab = parseChoice(params.get("tab"), TAB_IDS) ?? "overview";
  const dataset = useDataset(id);
  const me = useMe();
  const [dialog, setDialog] = useState<OpenDialog | null>(null);
  const [exporting, setExporting] = useState<{ version?: number } | null>(null);
  const [checking, setChecking] = useState(false);

  if (!id)
    return (
      <EmptyState title="No dataset chosen" action={BACK}>
        Open a dataset from the list.
      </EmptyState>
    );
  if (dataset.isPending) {
    return (
      <LoadingRegion label="Loading the dataset…">
        <Skeleton className="mb-6 h-12 w-72" />
        <Skeleton className="h-96 w-full" />
      </LoadingRegion>
    );
  }
  if (dataset.isError)
    return <Missing error={dataset.error} onRetry={() => void dataset.refetch()} retrying={dataset.isFetching} />;

  const data = dataset.data;
  return (
    <>
      <nav aria-label="Breadcrumb" className="mb-2 text-sm text-muted">
        <Link href="/datasets/" className="hover:text-fg hover:underline">
          Datasets
        </Link>
        <span aria-hidden="true"> / </span>
        <span aria-current="page" className="text-fg">
          {data.name}
        </span>
      </nav>
      <PageHeader
        title={data.name}
        description={<Subtitle dataset={data} />}
        actions={
          <>
            <Link href={`/datasets/review/?id=${encodeURIComponent(data.id)}`} className={buttonVariants()}>
              Review
            </Link>
            <Button variant="primary" onClick={() => setExporting({})}>
              <DownloadIcon />
              Export
            </Button>
            <ActionMenu
              label={`More actions for ${data.name}`}
              text="More"
              actions={[
                {
                  label: "Quality check…",
                  onSelect: () => setChecking(true),
                  disabled: !canChange(me.data, data) || data.status !== "ready" || data.example_count === 0,
                },
                {
                  label: "Sample…",
                  onSelect: () => setDialog({ kind: "sample", dataset: data }),
                  disabled: !canCreate(me.data),
                },
                {
                  label: "Split…",
                  onSelect: () => setDialog({ kind: "split", dataset: data }),
                  disabled: !canCreate(me.data),
                },
                {
                  label: "Convert…",
                  onSelect: () => setDialog({ kind: "convert", dataset: data }),
                  disabled: !canCreate(me.data),
                },
                {
                  label: "Delete…",
                  onSelect: () => setDialog({ kind: "delete", dataset: data }),
                  danger: true,
                  disabled: !canChange(me.data, data),
                },
              ]}
            />
          </>
        }
      />
      <Tabs
        idPrefix="dataset"
        label="Dataset sections"
        tabs={TABS}
        active={tab}
        onChange={(next) => update({ tab: next === "overview" ? null : next })}
      />
      <TabPanel idPrefix="dataset" id={tab}>
        {tab === "overview" && <OverviewPanel dataset={data} />}
        {tab === "examples" && <ExamplesPanel dataset={data} canEdit={canChange(me.data, data)} />}
        {tab === "threshold" && (
          <ThresholdPanel
            dataset={data}
            canEdit={canChange(me.data, data)}
            onShowVersions={() => update({ tab: "versions" })}
          />
        )}
        {tab === "versions" && <VersionsPanel dataset={data} onExport={(version) => setExporting({ version })} />}
        {tab === "duplicates" && (
          <DuplicatesPanel
            dataset={data}
            canEdit={canChange(me.data, data)}
            onShowCluster={(cluster) => update({ tab: "examples", cluster, page: null })}
          />
        )}
      </TabPanel>
      {checking && <QualityDialog dataset={data} onClose={() => setChecking(false)} />}
      {exporting && <ExportDialog dataset={data} version={exporting.version} onClose={() => setExporting(null)} />}
      {/* A link in a dialog's result opens another dataset on this same page: the dialog belongs to the old one. */}
      <DatasetDialogs dialog={dialog && "dataset" in dialog && dialog.dataset.id === data.id ? dialog : null} onClose={() => setDialog(null)} onDeleted={() => router.push("/datasets/")} />
    </>
  );
}
