"use client";

import Link from "next/link";
import { useState, type ReactNode } from "react";

import { HubPushOutcome } from "@/components/datasets/detail/HubPushOutcome";
import { Button } from "@/components/ui/Button";
import { CheckboxField } from "@/components/ui/Checkbox";
import { Field, FormError } from "@/components/ui/Field";
import { UploadIcon } from "@/components/ui/icons";
import { TextInput } from "@/components/ui/Input";
import { Skeleton } from "@/components/ui/Skeleton";
import { ErrorState } from "@/components/ui/StateViews";
import { useMe } from "@/hooks/queries/auth";
import { useRunFiles, type Run } from "@/hooks/queries/finetune";
import { useHub, usePushRun, type HubModelOutput } from "@/hooks/queries/hub";
import { isFinished, useTask } from "@/hooks/queries/tasks";
import { errorMessage } from "@/lib/api/client";
import { LIMITS } from "@/lib/limits";

const REPO_PATTERN = new RegExp(LIMITS.HubModelPushRequest.repo_id.pattern);

const OUTPUTS: readonly { id: HubModelOutput; label: string; hint: string }[] = [
  { id: "adapter", label: "LoRA adapter", hint: "Small; loads with peft on top of the base model." },
  { id: "merged", label: "Merged model", hint: "The base with the adapter merged in, transformers format." },
  { id: "gguf", label: "GGUF files", hint: "For llama.cpp, Ollama and LM Studio, with the Ollama Modelfile." },
];

function repoError(repo: string): string | null {
  if (!repo.trim() || REPO_PATTERN.test(repo.trim())) return null;
  return "Write it as owner/name: letters, digits, '-', '_' or '.', starting with a letter or digit.";
}

function Blocked({ children }: { children: ReactNode }) {
  return <p className="rounded-md border border-warn/30 bg-warn-soft px-3 py-2 text-sm text-fg">{children}</p>;
}

/** Push a completed run's outputs to a Hub model repo (a worker does it), then follow the task to its links. */
export function RunHubPush({ run, canPush }: { run: Run; canPush: boolean }) {
  const ready = run.status === "completed";
  const me = useMe();
  const hub = useHub();
  const files = useRunFiles(run.id, ready && canPush);
  const push = usePushRun(run.id);
  const task = useTask(push.data?.id ?? null);
  const [repo, setRepo] = useState("");
  const [isPrivate, setPrivate] = useState(true);
  const [chosen, setChosen] = useState<HubModelOutput[]>(["adapter"]);

  if (!ready) return <p className="text-sm text-muted">A run can be pushed to the Hub once it has completed.</p>;
  if (!canPush) return <p className="text-sm text-muted">Only the run&apos;s owner or an admin can push it to the Hub.</p>;
  if (hub.isPending || me.isPending || files.isPending) return <Skeleton className="h-40 w-full" />;
  if (hub.isError) return <ErrorState title="Could not load the Hub settings" error={hub.error} onRetry={() => void hub.refetch()} />;
  if (files.isError) return <ErrorState title="Could not list the run's outputs" error={files.error} onRetry={() => void files.refetch()} />;
  const isAdmin = me.data?.role === "admin";
  const present = new Set(files.data.map((file) => file.kind));
  const offered = OUTPUTS.filter((output) => present.has(output.id));
  const selected = chosen.filter((id) => present.has(id));
  const following = task.data !== undefined && !isFinished(task.data.status);
  const canSubmit = hub.data.configured && repo.trim() !== "" && repoError(repo) === null && selected.length > 0;
  const toggle = (id: HubModelOutput, on: boolean) =>
    setChosen((current) => (on ? [...current.filter((x) => x !== id), id] : current.filter((x) => x !== id)));

  return (
    <form
      className="space-y-4"
      aria-label="Push to the Hub"
      onSubmit={(event) => {
        event.preventDefault();
        if (canSubmit && !following) push.mutate({ repo_id: repo.trim(), private: isPrivate, outputs: selected });
      }}
    >
      {!hub.data.configured && (
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
      )}
      <fieldset disabled={!hub.data.configured} className="space-y-4 disabled:opacity-70">
        <Field
          label="Model repo"
          htmlFor="run-hub-repo"
          error={repoError(repo)}
          hint={`A Hub model repo, owner/name; it is created when missing. Hub: ${hub.data.endpoint}`}
        >
          <TextInput placeholder="owner/name" autoComplete="off" spellCheck={false} value={repo} onChange={(e) => setRepo(e.target.value)} />
        </Field>
        <CheckboxField
          id="run-hub-private"
          label="Private repo"
          hint="Only you and those you share it with on the Hub see it. A repo that exists keeps its visibility."
          checked={isPrivate}
          onCheckedChange={setPrivate}
        />
        <fieldset>
          <legend className="text-sm font-medium text-fg">Outputs</legend>
          <p className="text-xs text-muted">
            The first chosen of merged model, adapter, GGUF goes at the repo&apos;s root; the others in their own folder. A model
            card with the base model, the dataset, the training settings and the evaluation goes with them.
          </p>
          <div className="mt-2 space-y-2">
            {offered.map((output) => (
              <CheckboxField
                key={output.id}
                id={`run-hub-${output.id}`}
                label={output.label}
                hint={output.hint}
                checked={selected.includes(output.id)}
                onCheckedChange={(on) => toggle(output.id, on)}
              />
            ))}
          </div>
          {selected.length === 0 && <p className="mt-1 text-xs text-warn">Choose at least one output.</p>}
        </fieldset>
        <Button type="submit" variant="primary" disabled={!canSubmit || push.isPending || following}>
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
