"use client";

import { Skeleton } from "@/components/ui/Skeleton";
import { ErrorState } from "@/components/ui/StateViews";
import { runFileHref, useRunFiles, type Run, type RunFile } from "@/hooks/queries/finetune";
import { formatBytes } from "@/lib/format";

const KIND_LABELS: Record<RunFile["kind"], string> = {
  adapter: "LoRA adapter (zip of its folder)",
  merged: "Merged model, transformers format (zip)",
  gguf: "GGUF for llama.cpp and Ollama",
  modelfile: "Ollama Modelfile",
  card: "Model card",
};

/** The run's outputs as download links, once it has finished (owner or admin only). */
export function RunFiles({ run, canDownload }: { run: Run; canDownload: boolean }) {
  const ready = run.status === "completed";
  const files = useRunFiles(run.id, ready && canDownload);
  if (!ready) return <p className="text-sm text-muted">The adapter and exports can be downloaded when the run has completed.</p>;
  if (!canDownload) return <p className="text-sm text-muted">Only the run&apos;s owner or an admin can download its files.</p>;
  if (files.isPending) return <Skeleton className="h-24 w-full" />;
  if (files.isError) {
    return <ErrorState title="Could not list the run's files" error={files.error} onRetry={() => void files.refetch()} />;
  }
  if (files.data.length === 0) return <p className="text-sm text-muted">This run has no files to download.</p>;
  return (
    <ul className="divide-y divide-border text-sm" aria-label="Files to download">
      {files.data.map((file) => (
        <li key={file.name} className="flex flex-wrap items-baseline justify-between gap-x-4 gap-y-1 py-2">
          <a href={runFileHref(run.id, file.name)} download={file.name} className="break-all font-medium text-accent hover:underline">
            {file.name}
          </a>
          <span className="text-muted">
            {KIND_LABELS[file.kind]} · {formatBytes(file.bytes)}
          </span>
        </li>
      ))}
    </ul>
  );
}
