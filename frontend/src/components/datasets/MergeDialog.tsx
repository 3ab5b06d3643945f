"use client";

import { useState, type FormEvent } from "react";

import { Button } from "@/components/ui/Button";
import { Dialog } from "@/components/ui/Dialog";
import { Field, FormError } from "@/components/ui/Field";
import { TextInput } from "@/components/ui/Input";
import { useMergeDatasets, type Dataset } from "@/hooks/queries/datasets";
import { errorMessage } from "@/lib/api/client";
import { LIMITS } from "@/lib/limits";

import { CreatedDatasets } from "./CreatedDatasets";

const MERGE = LIMITS.MergeRequest;

type MergeDialogProps = { datasets: readonly Dataset[]; onClose: () => void; onMerged?: () => void };

/** One new dataset holding the current examples of the chosen ones, in the order listed. */
export function MergeDialog({ datasets, onClose, onMerged }: MergeDialogProps) {
  const merge = useMergeDatasets();
  const [name, setName] = useState(() =>
    datasets
      .map((d) => d.name)
      .join(" + ")
      .slice(0, MERGE.name.maxLength),
  );
  const types = new Set(datasets.map((d) => d.data_type));
  const problem =
    datasets.length < MERGE.ids.minItems
      ? `Select at least ${MERGE.ids.minItems} datasets to merge.`
      : datasets.length > MERGE.ids.maxItems
        ? `At most ${MERGE.ids.maxItems} datasets can be merged at a time.`
        : types.size > 1
        ? `Only datasets of one data type can be merged; these are ${[...types].join(", ")}.`
        : null;
  const nameError = name.trim() ? null : "Give the merged dataset a name.";
  const total = datasets.reduce((sum, d) => sum + d.example_count, 0);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (problem || nameError) return;
    merge.mutate({ ids: datasets.map((d) => d.id), name: name.trim(), description: "" }, { onSuccess: onMerged });
  };

  return (
    <Dialog
      title="Merge datasets"
      description="Copies the current examples of each dataset, in this order, into a new one. The originals stay."
      onClose={onClose}
      footer={
        merge.isSuccess ? (
          <Button onClick={onClose}>Done</Button>
        ) : (
          <>
            <Button onClick={onClose}>Cancel</Button>
            <Button variant="primary" type="submit" form="merge-form" disabled={merge.isPending || problem !== null}>
              {merge.isPending ? "Merging…" : `Merge ${total.toLocaleString()} examples`}
            </Button>
          </>
        )
      }
    >
      {merge.isSuccess ? (
        <CreatedDatasets title="Merged dataset created" datasets={[merge.data]} />
      ) : (
        <form id="merge-form" onSubmit={submit} noValidate className="space-y-4">
          <ol className="list-decimal space-y-1 pl-5 text-sm">
            {datasets.map((d) => (
              <li key={d.id}>
                <span className="font-medium text-fg">{d.name}</span>{" "}
                <span className="text-muted">
                  · {d.data_type} · {d.example_count.toLocaleString()} examples
                </span>
              </li>
            ))}
          </ol>
          {problem && <FormError>{problem}</FormError>}
          <Field label="Name" htmlFor="merge-name" error={nameError}>
            <TextInput limit={MERGE.name} value={name} onChange={(e) => setName(e.target.value)} />
          </Field>
          {merge.isError && <FormError>{errorMessage(merge.error)}</FormError>}
        </form>
      )}
    </Dialog>
  );
}
