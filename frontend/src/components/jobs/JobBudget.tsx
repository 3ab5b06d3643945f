"use client";

import { useState, type FormEvent } from "react";

import { Button } from "@/components/ui/Button";
import { Field, FormError } from "@/components/ui/Field";
import { NumberInput } from "@/components/ui/NumberInput";
import { useSetJobBudget, type Job } from "@/hooks/queries/jobs";
import { errorMessage } from "@/lib/api/client";
import { LIMITS, accepts } from "@/lib/limits";

const LIMIT = LIMITS.JobUpdate.budget_usd;

function problem(raw: string): string | null {
  if (!raw.trim()) return null; // empty clears the budget
  return accepts(raw, LIMIT) ? null : "An amount in US dollars, or empty for none.";
}

/** Raise, lower or clear a job's budget while it can still run (then resume a job the budget paused). */
export function JobBudget({ job, canControl }: { job: Job; canControl: boolean }) {
  const save = useSetJobBudget(job.id);
  const [value, setValue] = useState(job.budget_usd === null ? "" : String(Number(job.budget_usd)));
  const [tried, setTried] = useState(false);
  const error = tried ? problem(value) : null;
  const open = job.status !== "completed" && job.status !== "failed";
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setTried(true);
    if (problem(value)) return;
    save.mutate(value.trim() || null);
  };
  return (
    <form onSubmit={submit} noValidate className="flex flex-wrap items-end gap-3" aria-label="Job budget">
      <Field
        label="Budget (US$)"
        htmlFor="job-budget"
        error={error}
        hint={job.status === "paused" ? "Raise it, then resume the job." : "Empty for no limit."}
      >
        <NumberInput
          limit={LIMIT}
          step={0.01}
          value={value}
          onChange={(e) => setValue(e.target.value)}
          disabled={!canControl || !open}
          className="w-40"
        />
      </Field>
      <Button type="submit" disabled={!canControl || !open || save.isPending}>
        {save.isPending ? "Saving…" : "Save budget"}
      </Button>
      {save.isError && <FormError>{errorMessage(save.error)}</FormError>}
    </form>
  );
}
