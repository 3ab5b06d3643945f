"use client";

import Link from "next/link";
import { useEffect, useRef } from "react";

import { ExternalIcon } from "@/components/ui/icons";
import { StatusBadge, taskTone } from "@/components/ui/StatusBadge";
import { isFinished, type TaskRecord } from "@/hooks/queries/tasks";
import { useNow } from "@/hooks/useNow";
import { parseDate } from "@/lib/format";

/** After this long in the queue, say that maybe no worker is running. */
const NO_WORKER_HINT_AFTER_S = 15;

type Result = Record<string, unknown>;

function text(result: Result, key: string): string | null {
  const value = result[key];
  return typeof value === "string" && value ? value : null;
}

/** "train 8, test 2" from the task's rows per split. */
function countsText(result: Result): string {
  const counts = result.counts;
  if (!counts || typeof counts !== "object") return "";
  return Object.entries(counts as Record<string, unknown>)
    .map(([split, n]) => `${split} ${Number(n).toLocaleString("en-US")}`)
    .join(", ");
}

function SettingsLink({ isAdmin }: { isAdmin: boolean }) {
  if (!isAdmin) return <>ask an admin to store a new one in Settings.</>;
  return (
    <>
      store a new one in{" "}
      <Link href="/settings/" className="font-medium text-accent underline">
        Settings
      </Link>
      .
    </>
  );
}

/** What the Hub's refusal (`result.kind`) means, in words a person can act on. */
function Refusal({ task, isAdmin }: { task: TaskRecord; isAdmin: boolean }) {
  const result = task.result ?? {};
  const repo = text(result, "repo_id") ?? "the repo";
  const owner = repo.split("/")[0];
  const said = task.error ?? "The push failed without a reason.";
  const kind = text(result, "kind");
  const message =
    kind === "unauthorized" ? (
      <>
        The Hub rejected the token: <SettingsLink isAdmin={isAdmin} />
      </>
    ) : kind === "forbidden" ? (
      `The token may not write to ${owner}'s repos: push to a repo of the token's own account, or store a token that can write there.`
    ) : kind === "not_found" ? (
      `The Hub has no repo ${repo} that the token can see: check the owner and name.`
    ) : kind === "unreachable" ? (
      "The Hub could not be reached, or it had a fault: try again in a while."
    ) : kind === "rejected" ? (
      "The Hub refused the push."
    ) : null;
  return (
    <div role="alert" className="space-y-1 text-sm" data-testid="hub-push-error">
      <p className="text-danger">{message ?? said}</p>
      {message && <p className="break-words text-xs text-muted">The Hub said: {said}</p>}
    </div>
  );
}

function Pushed({ result }: { result: Result }) {
  const url = text(result, "url");
  const commit = text(result, "commit_url");
  const counts = countsText(result);
  return (
    <div className="space-y-2 rounded-md border border-ok/30 bg-ok-soft px-3 py-2 text-sm text-fg">
      <p>
        Pushed to <span className="font-mono">{text(result, "repo_id")}</span>
        {counts && <> ({counts} rows)</>}.
      </p>
      <p className="flex flex-wrap gap-x-4 gap-y-1">
        {url && (
          <a href={url} target="_blank" rel="noopener noreferrer" className="inline-flex items-center gap-1 font-medium text-accent underline">
            Open the repo on the Hub
            <ExternalIcon />
            <span className="sr-only">(opens in a new tab)</span>
          </a>
        )}
        {commit && (
          <a href={commit} target="_blank" rel="noopener noreferrer" className="inline-flex items-center gap-1 font-medium text-accent underline">
            See the commit
            <ExternalIcon />
            <span className="sr-only">(opens in a new tab)</span>
          </a>
        )}
      </p>
    </div>
  );
}

function Waiting({ task }: { task: TaskRecord }) {
  const now = useNow();
  if (task.status === "running") {
    return <p className="text-sm text-muted">A worker is writing the files and committing them to the Hub…</p>;
  }
  const waited = Math.max(0, Math.round((now - parseDate(task.created_at).getTime()) / 1000));
  return (
    <p className="text-sm text-muted">
      Waiting for a worker to pick the push up… <span className="tabular-nums">{waited} s</span>
      {waited >= NO_WORKER_HINT_AFTER_S && (
        <span className="mt-1 block text-warn">
          Still queued: is a worker running? Start one with <code className="font-mono">distillery worker</code>.
        </span>
      )}
    </p>
  );
}

/** A push's progress (queued, running), then the repo and commit links or the Hub's refusal in plain words. */
export function HubPushOutcome({ task, isAdmin }: { task: TaskRecord; isAdmin: boolean }) {
  const ref = useRef<HTMLDivElement>(null);
  // The outcome sits under the form, below the fold of a small dialog: bring each new state into view.
  useEffect(() => {
    ref.current?.scrollIntoView({ block: "nearest" });
  }, [task.status]);
  return (
    <div ref={ref} className="space-y-2" data-testid="hub-push-outcome">
      <div className="flex flex-wrap items-center gap-2">
        <StatusBadge tone={taskTone(task.status)} pulse={!isFinished(task.status)}>
          {task.status}
        </StatusBadge>
        <span className="font-mono text-xs text-muted">task {task.id.slice(0, 8)}</span>
      </div>
      {task.status === "succeeded" && <Pushed result={task.result ?? {}} />}
      {task.status === "failed" && <Refusal task={task} isAdmin={isAdmin} />}
      {!isFinished(task.status) && <Waiting task={task} />}
    </div>
  );
}
