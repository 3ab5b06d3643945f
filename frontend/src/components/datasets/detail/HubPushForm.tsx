"use client";

import Link from "next/link";
import { useState, type ReactNode } from "react";

import { Button } from "@/components/ui/Button";
import { CheckboxField, Radio } from "@/components/ui/Checkbox";
import { Field, FormError } from "@/components/ui/Field";
import { UploadIcon } from "@/components/ui/icons";
import { TextInput } from "@/components/ui/Input";
import { NumberInput } from "@/components/ui/NumberInput";
import { Skeleton } from "@/components/ui/Skeleton";
import { ErrorState } from "@/components/ui/StateViews";
import { useMe } from "@/hooks/queries/auth";
import type { Dataset } from "@/hooks/queries/datasets";
import { useHub, usePushDataset, type HubFormat, type HubPushRequest } from "@/hooks/queries/hub";
import { isFinished, useTask } from "@/hooks/queries/tasks";
import { errorMessage } from "@/lib/api/client";
import { LIMITS } from "@/lib/limits";
import { SEED_LIMIT, seedError } from "@/lib/seed";

import { canChange } from "../constants";
import { SPLIT_NAMES, SplitRatioFields, useSplitRatios } from "../SplitRatios";
import { HubPushOutcome } from "./HubPushOutcome";

const REPO_PATTERN = new RegExp(LIMITS.HubPushRequest.repo_id.pattern);

const FORMATS: readonly { id: HubFormat; label: string; hint: string }[] = [
  { id: "parquet", label: "Parquet", hint: "What the Hub's viewer and datasets read fastest." },
  { id: "jsonl", label: "JSONL (chat)", hint: "One messages record a line, readable anywhere." },
];

function repoError(repo: string): string | null {
  if (!repo.trim() || REPO_PATTERN.test(repo.trim())) return null;
  return "Write it as owner/name: letters, digits, '-', '_' or '.', starting with a letter or digit.";
}

/** Why the form cannot be used: a viewer, another editor's dataset, or no token stored. */
function Blocked({ children }: { children: ReactNode }) {
  return <p className="rounded-md border border-warn/30 bg-warn-soft px-3 py-2 text-sm text-fg">{children}</p>;
}

function FormatChoice({ value, onChange }: { value: HubFormat; onChange: (format: HubFormat) => void }) {
  return (
    <fieldset>
      <legend className="text-sm font-medium text-fg">Format</legend>
      <div className="mt-1 flex flex-col gap-1 text-sm">
        {FORMATS.map((format) => (
          <label key={format.id} className="flex items-start gap-2">
            <Radio name="hub-format" value={format.id} checked={value === format.id} onChange={() => onChange(format.id)} className="mt-1" />
            <span>
              <span className="font-medium text-fg">{format.label}</span>
              <span className="block text-xs text-muted">{format.hint}</span>
            </span>
          </label>
        ))}
      </div>
    </fieldset>
  );
}

type HubPushFormProps = { dataset: Dataset; version: number; versionField: ReactNode };

/** Push a dataset version to a Hub dataset repo (a worker does it), then follow the task to its links. */
export function HubPushForm({ dataset, version, versionField }: HubPushFormProps) {
  const me = useMe();
  const hub = useHub();
  const push = usePushDataset(dataset.id);
  const task = useTask(push.data?.id ?? null);
  const [repo, setRepo] = useState("");
  const [isPrivate, setPrivate] = useState(true);
  const [format, setFormat] = useState<HubFormat>("parquet");
  const [splitting, setSplitting] = useState(false);
  const [seed, setSeed] = useState("0");
  const shares = useSplitRatios();

  if (hub.isPending || me.isPending) return <Skeleton className="h-48 w-full" />;
  if (hub.isError) return <ErrorState title="Could not load the Hub settings" error={hub.error} onRetry={() => void hub.refetch()} />;
  const isAdmin = me.data?.role === "admin";
  const allowed = canChange(me.data, dataset);
  const following = task.data !== undefined && !isFinished(task.data.status);
  const problem = repoError(repo) ?? (splitting ? (shares.error ?? seedError(seed)) : null);
  const ready = allowed && hub.data.configured && repo.trim() !== "" && problem === null;

  const submit = () => {
    const body: HubPushRequest = { repo_id: repo.trim(), private: isPrivate, format, seed: 0, version };
    if (splitting) {
      // Shares of 0% are left out: the repo gets no empty split.
      body.splits = SPLIT_NAMES.filter((name) => shares.ratios[name] > 0)
        .map((name) => `${name}=${shares.ratios[name]}`)
        .join(",");
      body.seed = Number(seed);
    }
    push.mutate(body);
  };

  return (
    <form
      className="space-y-4"
      onSubmit={(event) => {
        event.preventDefault();
        if (ready && !following) submit();
      }}
    >
      {!allowed ? (
        <Blocked>
          {me.data?.role === "viewer"
            ? "Viewers cannot push datasets to the Hub; ask an editor or an admin."
            : "Only the dataset's owner or an admin can push it to the Hub."}
        </Blocked>
      ) : !hub.data.configured ? (
        <Blocked>
          No Hugging Face token is stored, so nothing can be pushed yet.{" "}
          {isAdmin ? (
            <Link href="/settings/" className="font-medium text-accent underline">
              Store one in Settings
            </Link>
          ) : (
            "Ask an admin to store one in Settings."
          )}
        </Blocked>
      ) : null}
      <fieldset disabled={!allowed || !hub.data.configured} className="space-y-4 disabled:opacity-70">
        <Field
          label="Repo"
          htmlFor="hub-repo"
          error={repoError(repo)}
          hint={`A Hub dataset repo, owner/name; it is created when missing. Hub: ${hub.data.endpoint}`}
        >
          <TextInput placeholder="owner/name" autoComplete="off" spellCheck={false} value={repo} onChange={(e) => setRepo(e.target.value)} />
        </Field>
        <CheckboxField
          id="hub-private"
          label="Private repo"
          hint="Only you and those you share it with on the Hub see it. A repo that exists keeps its visibility."
          checked={isPrivate}
          onCheckedChange={setPrivate}
        />
        <div className="grid gap-3 sm:grid-cols-2">
          <FormatChoice value={format} onChange={setFormat} />
          {versionField}
        </div>
        <fieldset>
          <legend className="text-sm font-medium text-fg">Splits</legend>
          <div className="mt-1 flex flex-col gap-1 text-sm">
            <label className="flex items-center gap-2">
              <Radio name="hub-splits" checked={!splitting} onChange={() => setSplitting(false)} />
              One train split
            </label>
            <label className="flex items-center gap-2">
              <Radio name="hub-splits" checked={splitting} onChange={() => setSplitting(true)} />
              Train / validation / test shares
            </label>
          </div>
        </fieldset>
        {splitting && (
          <div className="space-y-3 rounded-lg border border-border p-3">
            <SplitRatioFields state={shares} idPrefix="hub-split" />
            <Field label="Seed" htmlFor="hub-seed" error={seedError(seed)} hint="The same seed and shares always put an example in the same split." className="max-w-xs">
              <NumberInput integer limit={SEED_LIMIT} value={seed} onChange={(e) => setSeed(e.target.value)} />
            </Field>
          </div>
        )}
        <Button type="submit" variant="primary" disabled={!ready || push.isPending || following}>
          <UploadIcon />
          {push.isPending || following ? "Pushing…" : "Push to the Hub"}
        </Button>
      </fieldset>
      <div aria-live="polite" className="empty:hidden">
        {task.data && <HubPushOutcome task={task.data} isAdmin={isAdmin} />}
        {task.isError && !task.data && <p className="text-sm text-danger">Lost track of the push: {errorMessage(task.error)}</p>}
      </div>
      {push.isError && <FormError>{errorMessage(push.error)}</FormError>}
    </form>
  );
}
