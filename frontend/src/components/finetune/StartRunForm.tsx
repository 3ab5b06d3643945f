"use client";

import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";

import { ModelSelect, usableProviders } from "@/components/models/ModelSelect";
import { Button } from "@/components/ui/Button";
import { CheckboxField } from "@/components/ui/Checkbox";
import { Field, FormError } from "@/components/ui/Field";
import { TextInput } from "@/components/ui/Input";
import { NumberInput } from "@/components/ui/NumberInput";
import { Select } from "@/components/ui/Select";
import { Skeleton } from "@/components/ui/Skeleton";
import { ErrorState } from "@/components/ui/StateViews";
import { useDatasets } from "@/hooks/queries/datasets";
import { useStartRun } from "@/hooks/queries/finetune";
import { useProviders } from "@/hooks/queries/providers";
import { errorMessage } from "@/lib/api/client";
import { LIMITS } from "@/lib/limits";

import { BaseModelPicker, ExportOptions, GpuOptions } from "./BaseModelPicker";
import { DEFAULTS, KNOBS, knobError, toRequest, type FormState, type NumberKnob, type NumericKey } from "./knobs";
import { runHref } from "./links";

const BUNDLED_BASE_MODEL = "local:smollm2-135m";
const DATASET_FILTERS = {
  page: 1,
  pageSize: 100,
  dataType: null,
  domain: null,
  search: "",
  sort: "created_at",
  order: "desc",
} as const;

type KnobInputProps = { knob: NumberKnob; value: string; error: string | null; onChange: (v: string) => void };

function KnobInput({ knob, value, error, onChange }: KnobInputProps) {
  const id = `ft-${knob.key}`;
  return (
    <Field label={knob.label} htmlFor={id} hint={knob.hint} error={error}>
      <NumberInput integer={knob.integer} limit={knob.limit} value={value} onChange={(e) => onChange(e.target.value)} />
    </Field>
  );
}

/** Picks a dataset and the main training settings (advanced ones collapsed), then queues the run. */
export function StartRunForm({ canStart }: { canStart: boolean }) {
  const router = useRouter();
  const datasets = useDatasets(DATASET_FILTERS);
  const start = useStartRun();
  const providers = useProviders();
  const [form, setForm] = useState<FormState>({
    datasetId: "",
    name: "",
    values: DEFAULTS,
    evaluate: true,
    merge: false,
    teacher: "",
    judge: "",
    baseModel: BUNDLED_BASE_MODEL,
    gguf: [],
    quantize: false,
    gradientCheckpointing: false,
    bf16: false,
  });
  const update = (change: Partial<FormState>) => setForm((f) => ({ ...f, ...change }));
  const numberOr = (key: NumericKey, fallback: number) => (errors[key] === null && form.values[key].trim() !== "" ? Number(form.values[key]) : fallback);
  const [submitted, setSubmitted] = useState(false);
  const errors: Record<NumericKey, string | null> = Object.fromEntries(KNOBS.map((k) => [k.key, knobError(k, form.values[k.key])])) as Record<NumericKey, string | null>;
  const estimate = {
    datasetId: form.datasetId || null,
    epochs: numberOr("epochs", 1),
    batchSize: numberOr("batch_size", 4),
    maxSeqLength: numberOr("max_seq_length", 512),
  };
  const datasetError = form.datasetId ? null : "Pick a dataset.";
  const invalid = datasetError !== null || Object.values(errors).some((e) => e !== null);
  const setValue = (key: NumericKey, value: string) => setForm((f) => ({ ...f, values: { ...f.values, [key]: value } }));

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    setSubmitted(true);
    if (invalid || !canStart) return;
    start.mutate(toRequest(form), { onSuccess: (run) => router.push(runHref(run.id)) });
  };

  if (datasets.isPending) return <Skeleton className="h-64 w-full" />;
  if (datasets.isError && !datasets.data) {
    return <ErrorState title="Could not load the datasets" error={datasets.error} onRetry={() => void datasets.refetch()} />;
  }
  const knob = (k: NumberKnob) => (
    <KnobInput key={k.key} knob={k} value={form.values[k.key]} error={submitted ? errors[k.key] : null} onChange={(v) => setValue(k.key, v)} />
  );
  return (
    <form onSubmit={onSubmit} noValidate aria-label="Start a fine-tune" className="space-y-4">
      <div className="grid gap-4 sm:grid-cols-2">
        <Field label="Dataset" htmlFor="ft-dataset" hint="Its current version is trained on." error={submitted ? datasetError : null}>
          <Select value={form.datasetId} onChange={(e) => setForm((f) => ({ ...f, datasetId: e.target.value }))}>
            <option value="">{datasets.data.total === 0 ? "No datasets yet" : "Choose a dataset…"}</option>
            {datasets.data.items.map((d) => (
              <option key={d.id} value={d.id}>
                {d.name} ({d.example_count} rows)
              </option>
            ))}
          </Select>
        </Field>
        <Field label="Run name" htmlFor="ft-name" hint="Optional; named after the dataset otherwise.">
          <TextInput limit={LIMITS.FinetuneRequest.name} value={form.name} onChange={(e) => setForm((f) => ({ ...f, name: e.target.value }))} />
        </Field>
      </div>
      <BaseModelPicker form={form} estimate={estimate} update={update} />
      <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3">{KNOBS.filter((k) => !k.advanced).map(knob)}</div>
      <CheckboxField id="ft-evaluate" label="Evaluate against the base model when training ends" checked={form.evaluate} onCheckedChange={(v) => setForm((f) => ({ ...f, evaluate: v }))} />
      <details className="rounded-lg border border-border p-3">
        <summary className="cursor-pointer text-sm font-medium text-fg">Advanced settings</summary>
        <div className="mt-3 space-y-4">
          <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3">{KNOBS.filter((k) => k.advanced).map(knob)}</div>
          <Field label="Teacher to compare" htmlFor="ft-teacher" hint="Optional, e.g. openai:gpt-4o-mini; its answers cost money.">
            <TextInput limit={LIMITS.FinetuneRequest.teacher} value={form.teacher} onChange={(e) => setForm((f) => ({ ...f, teacher: e.target.value }))} />
          </Field>
          {form.evaluate && (
            <ModelSelect
              id="ft-judge"
              label="Judge"
              hint="Optional: compares the tuned student with the base and the teacher, both orders per prompt (a provider's calls cost money)."
              providers={usableProviders(providers.data ?? [])}
              value={form.judge}
              onChange={(judge) => update({ judge })}
              allowDefault="No judge (no win rates)"
            />
          )}
          <ExportOptions form={form} update={update} />
          <GpuOptions form={form} estimate={estimate} update={update} />
        </div>
      </details>
      {start.isError && <FormError>{errorMessage(start.error)}</FormError>}
      {submitted && invalid && <FormError>Some settings need fixing; see the messages above.</FormError>}
      <div className="flex flex-wrap items-center gap-3">
        <Button type="submit" variant="primary" disabled={!canStart || start.isPending}>
          {start.isPending ? "Starting…" : "Start fine-tune"}
        </Button>
        {!canStart && <p className="text-xs text-muted">Viewers can watch runs but not start them.</p>}
      </div>
    </form>
  );
}
