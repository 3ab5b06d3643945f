"use client";

import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";

import { jobHref } from "@/components/jobs/links";
import { ModelSelect, usableProviders } from "@/components/models/ModelSelect";
import { Button } from "@/components/ui/Button";
import { Dialog } from "@/components/ui/Dialog";
import { CheckboxField } from "@/components/ui/Checkbox";
import { Field, FormError } from "@/components/ui/Field";
import { NumberInput, type NumberInputProps } from "@/components/ui/NumberInput";
import type { DatasetDetail } from "@/hooks/queries/datasets";
import { useStartQuality, type QualityRequest } from "@/hooks/queries/jobs";
import { LOCAL_MODEL, useProviders } from "@/hooks/queries/providers";
import { errorMessage } from "@/lib/api/client";
import { LIMITS, accepts, rangeText } from "@/lib/limits";

type Form = {
  judge: string;
  fixer: string;
  fixBelow: string;
  removeBelow: string;
  autoFix: boolean;
  autoRemove: boolean;
  judgeShare: string;
  concurrency: string;
  budget: string;
};
type Problems = Partial<Record<keyof Form, string>>;

const DEFAULTS: Form = {
  judge: LOCAL_MODEL,
  fixer: "",
  fixBelow: "7",
  removeBelow: "4",
  autoFix: true,
  autoRemove: true,
  judgeShare: "100",
  concurrency: "8",
  budget: "",
};

const REQUEST = LIMITS.QualityRequest;
const THRESHOLDS = LIMITS.QualityThresholds;

function check(form: Form): Problems {
  const found: Problems = {};
  if (!accepts(form.fixBelow, THRESHOLDS.fix_below)) found.fixBelow = `A score ${rangeText(THRESHOLDS.fix_below)}.`;
  if (!accepts(form.removeBelow, THRESHOLDS.remove_below)) found.removeBelow = `A score ${rangeText(THRESHOLDS.remove_below)}.`;
  else if (Number(form.removeBelow) > Number(form.fixBelow)) found.removeBelow = "Must not be above the fix threshold.";
  if (!accepts(form.judgeShare, REQUEST.judge_sample_rate, { scale: 100 }))
    found.judgeShare = `A percentage ${rangeText(REQUEST.judge_sample_rate, 100)}.`;
  if (!accepts(form.concurrency, REQUEST.concurrency, { integer: true }))
    found.concurrency = `A whole number ${rangeText(REQUEST.concurrency)}.`;
  if (form.budget.trim() && !accepts(form.budget, REQUEST.budget_usd)) found.budget = "An amount in US dollars, or empty.";
  return found;
}

function toRequest(form: Form, datasetId: string, exampleIds: string[] | undefined): QualityRequest {
  return {
    dataset_id: datasetId,
    example_ids: exampleIds ?? null,
    judge: form.judge,
    fixer: form.fixer || null,
    thresholds: {
      fix_below: Number(form.fixBelow),
      remove_below: Number(form.removeBelow),
      auto_fix: form.autoFix,
      auto_remove: form.autoRemove,
      max_fix_attempts: 1,
      on_judge_failure: "keep",
    },
    judge_sample_rate: Number(form.judgeShare) / 100,
    concurrency: Number(form.concurrency),
    budget_usd: form.budget.trim() || null,
  };
}

type NumberFieldProps = Pick<NumberInputProps, "limit" | "scale" | "integer"> & {
  id: string;
  label: string;
  hint: string;
  value: string;
  error: string | undefined;
  onChange: (value: string) => void;
};

function NumberField({ id, label, hint, value, error, onChange, ...number }: NumberFieldProps) {
  return (
    <Field label={label} htmlFor={id} hint={hint} error={error}>
      <NumberInput value={value} onChange={(e) => onChange(e.target.value)} {...number} />
    </Field>
  );
}

type QualityDialogProps = {
  dataset: DatasetDetail;
  /** Judge only these rows (a bulk re-judge); every row of the current version when unset. */
  exampleIds?: string[];
  onClose: () => void;
};

/** Starts a quality job on a dataset (or on chosen rows) and opens its page to watch it. */
export function QualityDialog({ dataset, exampleIds, onClose }: QualityDialogProps) {
  const router = useRouter();
  const providers = useProviders();
  const start = useStartQuality();
  const [form, setForm] = useState<Form>(DEFAULTS);
  const [tried, setTried] = useState(false);
  const problems = tried ? check(form) : {};
  const change = (patch: Partial<Form>) => setForm((current) => ({ ...current, ...patch }));
  const usable = usableProviders(providers.data ?? []);
  const rows = exampleIds ? exampleIds.length : dataset.example_count;
  const what = `${rows.toLocaleString()} ${exampleIds ? "selected " : ""}row${rows === 1 ? "" : "s"}`;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setTried(true);
    if (Object.keys(check(form)).length > 0) return;
    start.mutate(toRequest(form, dataset.id, exampleIds), { onSuccess: (job) => router.push(jobHref(job.id)) });
  };

  return (
    <Dialog
      title={exampleIds ? "Re-judge the selected rows" : `Quality check of “${dataset.name}”`}
      description={`The judge scores ${what} of v${dataset.version}; low scorers are rewritten or removed in a new version.`}
      onClose={onClose}
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button variant="primary" type="submit" form="quality-form" disabled={start.isPending}>
            {start.isPending ? "Starting…" : "Start quality job"}
          </Button>
        </>
      }
    >
      <form id="quality-form" onSubmit={submit} noValidate className="space-y-4">
        <div className="grid gap-3 sm:grid-cols-2">
          <ModelSelect
            id="quality-judge"
            label="Judge"
            hint="Scores each row from 0 to 10 on five criteria."
            providers={usable}
            value={form.judge}
            onChange={(judge) => change({ judge })}
          />
          <ModelSelect
            id="quality-fixer"
            label="Fixer"
            hint="Rewrites the rows that score below the fix threshold."
            providers={usable}
            value={form.fixer}
            onChange={(fixer) => change({ fixer })}
            allowDefault="Same as the judge"
          />
          <NumberField
            id="quality-fix-below"
            limit={THRESHOLDS.fix_below}
            label="Fix rows scoring below"
            hint="Judge score, 0–10."
            value={form.fixBelow}
            error={problems.fixBelow}
            onChange={(fixBelow) => change({ fixBelow })}
          />
          <NumberField
            id="quality-remove-below"
            limit={THRESHOLDS.remove_below}
            label="Remove rows scoring below"
            hint="Judge score, 0–10."
            value={form.removeBelow}
            error={problems.removeBelow}
            onChange={(removeBelow) => change({ removeBelow })}
          />
          <CheckboxField id="quality-auto-fix" label="Rewrite low scorers (auto-fix)" checked={form.autoFix} onCheckedChange={(autoFix) => change({ autoFix })} />
          <CheckboxField
            id="quality-auto-remove"
            label="Remove the worst rows (auto-remove)"
            checked={form.autoRemove}
            onCheckedChange={(autoRemove) => change({ autoRemove })}
          />
          <NumberField
            id="quality-share"
            limit={REQUEST.judge_sample_rate}
            scale={100}
            label="Judged share (%)"
            hint="Rows outside the sample are kept as they are."
            value={form.judgeShare}
            error={problems.judgeShare}
            onChange={(judgeShare) => change({ judgeShare })}
          />
          <NumberField
            id="quality-concurrency"
            limit={REQUEST.concurrency}
            integer
            label="Rows at a time"
            hint="Judge calls in flight per worker."
            value={form.concurrency}
            error={problems.concurrency}
            onChange={(concurrency) => change({ concurrency })}
          />
          <NumberField
            id="quality-budget"
            limit={REQUEST.budget_usd}
            label="Budget (US$, optional)"
            hint="The job pauses before spending more."
            value={form.budget}
            error={problems.budget}
            onChange={(budget) => change({ budget })}
          />
        </div>
        {start.isError && <FormError>{errorMessage(start.error)}</FormError>}
      </form>
    </Dialog>
  );
}
