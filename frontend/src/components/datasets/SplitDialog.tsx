"use client";

import { useState, type FormEvent } from "react";

import { Button } from "@/components/ui/Button";
import { Dialog } from "@/components/ui/Dialog";
import { Field, FormError } from "@/components/ui/Field";
import { NumberInput } from "@/components/ui/NumberInput";
import { useSplitDataset, type Dataset } from "@/hooks/queries/datasets";
import { errorMessage } from "@/lib/api/client";
import { SEED_LIMIT, seedError } from "@/lib/seed";

import { CreatedDatasets } from "./CreatedDatasets";
import { SPLIT_NAMES, SplitRatioFields, useSplitRatios } from "./SplitRatios";

/** Train / validation / test datasets made from one dataset, by a stable hash of each example. */
export function SplitDialog({ dataset, onClose }: { dataset: Dataset; onClose: () => void }) {
  const split = useSplitDataset(dataset.id);
  const shares = useSplitRatios();
  const [seed, setSeed] = useState("0");
  const seedProblem = seedError(seed);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (shares.error || seedProblem) return;
    split.mutate({ ratios: shares.ratios, seed: Number(seed) });
  };
  const created = split.data ? SPLIT_NAMES.flatMap((name) => split.data.datasets[name] ?? []) : [];

  return (
    <Dialog
      title={`Split “${dataset.name}”`}
      description="Creates one dataset per split. An example's split depends only on its messages and the seed, so duplicates never leak between splits."
      onClose={onClose}
      footer={
        split.isSuccess ? (
          <Button onClick={onClose}>Done</Button>
        ) : (
          <>
            <Button onClick={onClose}>Cancel</Button>
            <Button variant="primary" type="submit" form="split-form" disabled={split.isPending}>
              {split.isPending ? "Splitting…" : "Create splits"}
            </Button>
          </>
        )
      }
    >
      {split.isSuccess ? (
        <CreatedDatasets title="Splits created" datasets={created} />
      ) : (
        <form id="split-form" onSubmit={submit} noValidate className="space-y-4">
          <SplitRatioFields state={shares} idPrefix="split" />
          <Field label="Seed" htmlFor="split-seed" error={seedProblem} className="max-w-40">
            <NumberInput integer limit={SEED_LIMIT} value={seed} onChange={(e) => setSeed(e.target.value)} />
          </Field>
          {split.isError && <FormError>{errorMessage(split.error)}</FormError>}
        </form>
      )}
    </Dialog>
  );
}
