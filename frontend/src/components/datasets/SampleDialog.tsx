"use client";

import { useState, type FormEvent } from "react";

import { Button } from "@/components/ui/Button";
import { Dialog } from "@/components/ui/Dialog";
import { Field, FormError } from "@/components/ui/Field";
import { TextInput } from "@/components/ui/Input";
import { NumberInput } from "@/components/ui/NumberInput";
import { useSampleDataset, type Dataset } from "@/hooks/queries/datasets";
import { errorMessage } from "@/lib/api/client";
import { LIMITS } from "@/lib/limits";
import { SEED_LIMIT, seedError } from "@/lib/seed";

import { CreatedDatasets } from "./CreatedDatasets";

const LIMIT = LIMITS.SampleRequest;

function sizeError(raw: string, count: number): string | null {
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || n < LIMIT.n.minimum) return `A whole number of examples, at least ${LIMIT.n.minimum}.`;
  if (n > count) return `The dataset has ${count.toLocaleString()} examples; pick at most that many.`;
  return n > LIMIT.n.maximum ? `At most ${LIMIT.n.maximum.toLocaleString()} examples at a time.` : null;
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
              <NumberInput
                integer
                limit={LIMIT.n}
                max={Math.min(LIMIT.n.maximum, Math.max(1, dataset.example_count))}
                value={size}
                onChange={(e) => setSize(e.target.value)}
              />
            </Field>
            <Field label="Seed" htmlFor="sample-seed" error={tried ? seedProblem : null}>
              <NumberInput integer limit={SEED_LIMIT} value={seed} onChange={(e) => setSeed(e.target.value)} />
            </Field>
          </div>
          <Field label="Name (optional)" htmlFor="sample-name">
            <TextInput
              limit={LIMIT.name}
              value={name}
              placeholder={`${dataset.name} (sample ${size || "n"}, seed ${seed || 0})`}
              onChange={(e) => setName(e.target.value)}
            />
          </Field>
          {sample.isError && <FormError>{errorMessage(sample.error)}</FormError>}
        </form>
      )}
    </Dialog>
  );
}
