"use client";

import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";

import { Button } from "@/components/ui/Button";
import { Field, FormError } from "@/components/ui/Field";
import { TextInput } from "@/components/ui/Input";
import { NumberInput } from "@/components/ui/NumberInput";
import { Select } from "@/components/ui/Select";
import { Skeleton } from "@/components/ui/Skeleton";
import { ErrorState } from "@/components/ui/StateViews";
import { useDatasets } from "@/hooks/queries/datasets";
import { useStartProviderRun, type ProviderFinetuneRequest } from "@/hooks/queries/providerFinetune";
import { errorMessage } from "@/lib/api/client";
import { LIMITS } from "@/lib/limits";

import { providerRunHref } from "./links";

const DATASET_FILTERS = {
  page: 1,
  pageSize: 100,
  dataType: null,
  domain: null,
  search: "",
  sort: "created_at",
  order: "desc",
} as const;

const BASES: Record<ProviderFinetuneRequest["provider"] & string, string> = {
  openai: "gpt-4o-mini-2024-07-18",
  together: "meta-llama/Meta-Llama-3.1-8B-Instruct-Reference",
};

/** Picks a dataset, a provider and its base model, then starts the provider's fine-tuning job. */
export function StartProviderRunForm({ canStart }: { canStart: boolean }) {
  const router = useRouter();
  const datasets = useDatasets(DATASET_FILTERS);
  const start = useStartProviderRun();
  const [datasetId, setDatasetId] = useState("");
  const [provider, setProvider] = useState<"openai" | "together">("openai");
  const [baseModel, setBaseModel] = useState(BASES.openai);
  const [epochs, setEpochs] = useState("");
  const [suffix, setSuffix] = useState("");
  const [submitted, setSubmitted] = useState(false);
  const datasetError = datasetId ? null : "Pick a dataset.";
  const modelError = baseModel.trim() ? null : "Name the provider's base model.";
  const epochsNumber = epochs.trim() === "" ? null : Number(epochs);
  const epochsError =
    epochsNumber !== null && (!Number.isInteger(epochsNumber) || epochsNumber < 1 || epochsNumber > 50)
      ? "A whole number from 1 to 50, or empty for the provider's choice."
      : null;
  const invalid = datasetError !== null || modelError !== null || epochsError !== null;

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    setSubmitted(true);
    if (invalid || !canStart) return;
    const body: ProviderFinetuneRequest = {
      dataset_id: datasetId,
      provider,
      base_model: baseModel.trim(),
      n_epochs: epochsNumber,
      suffix: suffix.trim() || null,
    };
    start.mutate(body, { onSuccess: (run) => router.push(providerRunHref(run.id)) });
  };

  if (datasets.isPending) return <Skeleton className="h-48 w-full" />;
  if (datasets.isError && !datasets.data) {
    return <ErrorState title="Could not load the datasets" error={datasets.error} onRetry={() => void datasets.refetch()} />;
  }
  return (
    <form onSubmit={onSubmit} noValidate aria-label="Start a provider fine-tune" className="space-y-4">
      <div className="grid gap-4 sm:grid-cols-2">
        <Field label="Dataset" htmlFor="pft-dataset" hint="Its current version is sent as chat rows." error={submitted ? datasetError : null}>
          <Select value={datasetId} onChange={(e) => setDatasetId(e.target.value)}>
            <option value="">{datasets.data.total === 0 ? "No datasets yet" : "Choose a dataset…"}</option>
            {datasets.data.items.map((d) => (
              <option key={d.id} value={d.id}>
                {d.name} ({d.example_count} rows)
              </option>
            ))}
          </Select>
        </Field>
        <Field label="Provider" htmlFor="pft-provider" hint="OpenAI, or a Together-style fine-tuning API.">
          <Select
            value={provider}
            onChange={(e) => {
              const next = e.target.value === "together" ? "together" : "openai";
              setProvider(next);
              setBaseModel(BASES[next]);
            }}
          >
            <option value="openai">OpenAI</option>
            <option value="together">Together-style</option>
          </Select>
        </Field>
        <Field label="Base model" htmlFor="pft-base" hint="The provider's model id." error={submitted ? modelError : null}>
          <TextInput limit={LIMITS.ProviderFinetuneRequest.base_model} value={baseModel} onChange={(e) => setBaseModel(e.target.value)} />
        </Field>
        <Field label="Epochs" htmlFor="pft-epochs" hint="Empty: the provider chooses." error={submitted ? epochsError : null}>
          <NumberInput integer limit={LIMITS.ProviderFinetuneRequest.n_epochs} value={epochs} onChange={(e) => setEpochs(e.target.value)} />
        </Field>
        <Field label="Model name suffix" htmlFor="pft-suffix" hint="Optional; added to the new model's id.">
          <TextInput limit={LIMITS.ProviderFinetuneRequest.suffix} value={suffix} onChange={(e) => setSuffix(e.target.value)} />
        </Field>
      </div>
      {start.isError && <FormError>{errorMessage(start.error)}</FormError>}
      <div className="flex flex-wrap items-center gap-3">
        <Button type="submit" variant="primary" disabled={!canStart || start.isPending}>
          {start.isPending ? "Starting…" : "Start provider fine-tune"}
        </Button>
        <p className="text-xs text-muted">The provider bills the trained tokens; the estimate is shown when the job ends.</p>
      </div>
    </form>
  );
}
