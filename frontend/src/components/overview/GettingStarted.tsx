import Link from "next/link";
import type { ReactNode } from "react";

import { Card } from "@/components/ui/Card";

const LINK = "font-medium text-accent hover:underline";

function Step({ n, title, children }: { n: number; title: string; children: ReactNode }) {
  return (
    <li className="flex gap-3">
      <span
        aria-hidden="true"
        className="flex size-6 shrink-0 items-center justify-center rounded-full bg-accent-soft text-xs font-semibold text-accent"
      >
        {n}
      </span>
      <div className="min-w-0 text-sm">
        <p className="font-medium text-fg">{title}</p>
        <p className="mt-0.5 text-muted">{children}</p>
      </div>
    </li>
  );
}

/** The first steps, shown while the installation has no dataset and no job. */
export function GettingStarted() {
  return (
    <Card title="Getting started" labelledBy="getting-started" className="border-accent/40">
      <p className="mb-4 text-sm text-muted">Nothing has been made here yet. Four steps from a model to a fine-tuned one:</p>
      <ol className="grid gap-4 md:grid-cols-2" aria-label="Steps">
        <Step n={1} title="Add a provider key">
          In{" "}
          <Link href="/settings/" className={LINK}>
            Settings
          </Link>
          , for the teacher and judge models — or try the bundled demo model, which needs no key (a small local model,
          for trying the flow rather than for real data).
        </Step>
        <Step n={2} title="Make a dataset">
          <Link href="/generate/" className={LINK}>
            Generate one
          </Link>{" "}
          from a task description or your examples, or{" "}
          <Link href="/datasets/" className={LINK}>
            upload one
          </Link>{" "}
          (JSONL, JSON, CSV or Parquet).
        </Step>
        <Step n={3} title="Curate and export">
          Read the rows and their judge scores, remove or edit the weak ones, and export the version you keep from its
          dataset&apos;s page.
        </Step>
        <Step n={4} title="Fine-tune">
          Train a student model on it under{" "}
          <Link href="/finetune/" className={LINK}>
            Fine-tune
          </Link>{" "}
          and evaluate it.
        </Step>
      </ol>
    </Card>
  );
}
