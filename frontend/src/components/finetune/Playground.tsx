"use client";

import { useState, type FormEvent } from "react";

import { Button } from "@/components/ui/Button";
import { Field, FormError } from "@/components/ui/Field";
import { TextInput, Textarea } from "@/components/ui/Input";
import { NumberInput } from "@/components/ui/NumberInput";
import { usePlayground, type Run } from "@/hooks/queries/finetune";
import { useTask, type TaskRecord } from "@/hooks/queries/tasks";
import { errorMessage } from "@/lib/api/client";
import { LIMITS, accepts, rangeText } from "@/lib/limits";

import { ROLE_LABELS } from "./EvaluationTable";
import type { Role } from "./evaluation";

const ROLES: readonly Role[] = ["base", "tuned", "teacher"];
const LIMIT = LIMITS.PlaygroundRequest;

/** The answers in a finished playground task, by role (a role that was not asked is left out). */
export function playgroundAnswers(task: TaskRecord): [Role, string][] {
  const result = task.result ?? {};
  return ROLES.flatMap((role): [Role, string][] => {
    const answer = result[role];
    return typeof answer === "string" ? [[role, answer]] : [];
  });
}

function Answers({ taskId }: { taskId: string }) {
  const task = useTask(taskId);
  if (task.isError && !task.data) return <FormError>{errorMessage(task.error)}</FormError>;
  if (!task.data || task.data.status === "queued" || task.data.status === "running") {
    return (
      <p role="status" className="text-sm text-muted">
        Asking the models… loading them takes a while on a CPU.
      </p>
    );
  }
  if (task.data.status === "failed") return <FormError>The models could not answer: {task.data.error ?? "no reason given"}</FormError>;
  const answers = playgroundAnswers(task.data);
  return (
    <div role="status" className="grid gap-3 md:grid-cols-2 xl:grid-cols-3" data-testid="playground-answers">
      {answers.map(([role, answer]) => (
        <section key={role} aria-label={`${ROLE_LABELS[role]} answer`} className="min-w-0 rounded-lg border border-border p-3">
          <h3 className="text-xs font-medium uppercase tracking-wide text-muted">{ROLE_LABELS[role]}</h3>
          <p className="mt-1 whitespace-pre-wrap break-words text-sm text-fg">{answer || "(empty answer)"}</p>
        </section>
      ))}
    </div>
  );
}

/** One prompt, answered by the base, tuned and (optionally) teacher models side by side. */
export function Playground({ run, canUse }: { run: Run; canUse: boolean }) {
  const play = usePlayground(run.id);
  const [prompt, setPrompt] = useState("");
  const [teacher, setTeacher] = useState("");
  const [maxTokens, setMaxTokens] = useState("128");
  const [taskId, setTaskId] = useState<string | null>(null);
  const ready = run.status === "completed";
  const tokens = Number(maxTokens);
  const tokensOk = accepts(maxTokens, LIMIT.max_new_tokens, { integer: true });

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    if (!prompt.trim() || !tokensOk) return;
    play.mutate(
      { prompt: prompt.trim(), maxNewTokens: tokens, teacher: teacher.trim() || null },
      { onSuccess: (task) => setTaskId(task.id) },
    );
  };

  if (!ready) return <p className="text-sm text-muted">The playground opens when the run has completed.</p>;
  return (
    <div className="space-y-4">
      <form onSubmit={onSubmit} aria-label="Playground" className="space-y-3">
        <Field label="Prompt" htmlFor="pg-prompt">
          <Textarea limit={LIMIT.prompt} rows={3} value={prompt} onChange={(e) => setPrompt(e.target.value)} />
        </Field>
        <div className="grid gap-3 sm:grid-cols-2">
          <Field label="Answer tokens" htmlFor="pg-tokens" error={tokensOk ? null : `Enter a whole number ${rangeText(LIMIT.max_new_tokens)}.`}>
            <NumberInput integer limit={LIMIT.max_new_tokens} value={maxTokens} onChange={(e) => setMaxTokens(e.target.value)} />
          </Field>
          <Field label="Teacher (optional)" htmlFor="pg-teacher" hint="e.g. openai:gpt-4o-mini; costs money.">
            <TextInput limit={LIMIT.teacher} value={teacher} onChange={(e) => setTeacher(e.target.value)} />
          </Field>
        </div>
        {play.isError && <FormError>{errorMessage(play.error)}</FormError>}
        <div className="flex items-center gap-3">
          <Button type="submit" variant="primary" disabled={!canUse || play.isPending || !prompt.trim() || !tokensOk}>
            {play.isPending ? "Sending…" : "Ask the models"}
          </Button>
          {!canUse && <p className="text-xs text-muted">Viewers cannot use the playground.</p>}
        </div>
      </form>
      {taskId && <Answers key={taskId} taskId={taskId} />}
    </div>
  );
}
