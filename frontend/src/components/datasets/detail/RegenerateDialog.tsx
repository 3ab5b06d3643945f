"use client";

import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";

import { jobHref } from "@/components/jobs/links";
import { Button } from "@/components/ui/Button";
import { Dialog } from "@/components/ui/Dialog";
import { Field, FormError } from "@/components/ui/Field";
import { NumberInput } from "@/components/ui/NumberInput";
import type { DatasetDetail } from "@/hooks/queries/datasets";
import { useStartRegenerate } from "@/hooks/queries/regenerate";
import { errorMessage } from "@/lib/api/client";
import { LIMITS, accepts } from "@/lib/limits";

const BUDGET = LIMITS.RegenerateRequest.budget_usd;

type RegenerateDialogProps = { dataset: DatasetDetail; exampleIds: string[]; onClose: () => void };

/** Regenerate the selected rows: the generating job's models write them anew into the next version. */
export function RegenerateDialog({ dataset, exampleIds, onClose }: RegenerateDialogProps) {
  const router = useRouter();
  const start = useStartRegenerate();
  const [budget, setBudget] = useState("");
  const [tried, setTried] = useState(false);
  const budgetOk = !budget.trim() || accepts(budget, BUDGET);
  const budgetError = tried && !budgetOk ? "An amount in US dollars, or empty." : null;
  const rows = exampleIds.length;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setTried(true);
    if (!budgetOk) return;
    start.mutate(
      { dataset_id: dataset.id, example_ids: exampleIds, budget_usd: budget.trim() || null },
      { onSuccess: (job) => router.push(jobHref(job.id)) },
    );
  };

  return (
    <Dialog
      title={`Regenerate ${rows.toLocaleString()} selected row${rows === 1 ? "" : "s"}`}
      description={`The models of the job that generated this dataset write each row anew, for the same scenario; every new row is judged and checked for duplicates, and replaces the old one in v${dataset.version + 1}. A row with no acceptable new version stays as it is.`}
      onClose={onClose}
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button variant="primary" type="submit" form="regenerate-form" disabled={start.isPending}>
            {start.isPending ? "Starting…" : "Regenerate"}
          </Button>
        </>
      }
    >
      <form id="regenerate-form" onSubmit={submit} noValidate className="space-y-4">
        <Field label="Budget (US$, optional)" htmlFor="regenerate-budget" hint="The job pauses before spending more." error={budgetError}>
          <NumberInput limit={BUDGET} step={0.01} value={budget} onChange={(e) => setBudget(e.target.value)} />
        </Field>
        {start.isError && <FormError>{errorMessage(start.error)}</FormError>}
      </form>
    </Dialog>
  );
}
