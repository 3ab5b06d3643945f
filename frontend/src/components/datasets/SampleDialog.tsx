"use client";

import { useState, type FormEvent } from "react";

import { Button } from "@/components/ui/Button";
import { Dialog } from "@/components/ui/Dialog";
import { CONTROL, Field, FormError } from "@/components/ui/Field";
import { useSampleDataset, type Dataset } from "@/hooks/queries/datasets";
import { errorMessage } from "@/lib/api/client";
import { seedError } from "@/lib/seed";

import { CreatedDatasets } from "./CreatedDatasets";

function sizeError(raw: string, max: number): string | null {
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || n < 1) return "A whole number of examples, at least 1.";
  return n > max ? `The dataset has ${max.toLocaleString()} examples; pick at most that many.` : null;
}

/** A reproducible random sample of a dataset, as a new dataset. */
export function SampleDialog({ dataset, onClose }: { dataset: Dataset; onClose: () => void }) {
  const sample = useSampleDataset(dataset.id);
  const [size, setSize] = useState(String(Math.min(100, Math.max(1, dataset.example_count))));
  const [seed, setSeed] = useState("0");
  const [name, setName] = useState("");
  const [tried, setTried] = useState(false);
  const error = sizeError(size, dataset.example_count);
  const seedProblem = seedError(seed);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setTried(true);
    if (error || seedProblem) return;
    sample.mutate({ n: Number(size), seed: Number(seed), name: name.trim() || null });
  };

  return (
    <Dialog
      title={`Sample “${dataset.name}”`}
      description="Picks examples at random into a new dataset; the same seed picks the same examples."
      onClose={onClose}
      footer={
        sample.isSuccess ? (
          <Button onClick={onClose}>Done</Button>
        ) : (
          <>
            <Button onClick={onClose}>Cancel</Button>
            <Button variant="primary" type="submit" form="sample-form" disabled={sample.isPending}>
              {sample.isPending ? "Sampling…" : "Create sample"}
            </Button>
          </>
        )
      }
    >
      {sample.isSuccess ? (
        <CreatedDatasets title="Sample created" datasets={[sample.data]} />
      ) : (
        <form id="sample-form" onSubmit={submit} noValidate className="space-y-4">
          <div className="grid grid-cols-2 gap-3">
            <Field
              label="Examples"
              htmlFor="sample-n"
              error={tried ? error : null}
              hint={`of ${dataset.example_count.toLocaleString()}`}
            >
              <input
                id="sample-n"
                inputMode="numeric"
                value={size}
                onChange={(e) => setSize(e.target.value)}
                aria-invalid={tried && error ? true : undefined}
                aria-describedby={tried && error ? "sample-n-error" : "sample-n-hint"}
                className={CONTROL}
              />
            </Field>
            <Field label="Seed" htmlFor="sample-seed" error={tried ? seedProblem : null}>
              <input
                id="sample-seed"
                inputMode="numeric"
                value={seed}
                onChange={(e) => setSeed(e.target.value)}
                aria-invalid={tried && seedProblem ? true : undefined}
                className={CONTROL}
              />
            </Field>
          </div>
          <Field label="Name (optional)" htmlFor="sample-name">
            <input
              id="sample-name"
              value={name}
              maxLength={200}
              placeholder={`${dataset.name} (sample ${size || "n"}, seed ${seed || 0})`}
              onChange={(e) => setName(e.target.value)}
              className={CONTROL}
            />
          </Field>
          {sample.isError && <FormError>{errorMessage(sample.error)}</FormError>}
        </form>
      )}
    </Dialog>
  );
}
