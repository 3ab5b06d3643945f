"use client";

import { useState } from "react";

import { DropZone } from "@/components/datasets/DropZone";
import { RowErrorList } from "@/components/datasets/RowErrors";
import { Button } from "@/components/ui/Button";
import { Field, FormError } from "@/components/ui/Field";
import { Textarea } from "@/components/ui/Input";
import { SEED_EXAMPLES_MAX, useReadSeedExamples, type SeedExamplesRead } from "@/hooks/queries/seedExamples";
import { errorMessage } from "@/lib/api/client";
import { LIMITS } from "@/lib/limits";

import { AMPLIFIED_DATA_TYPE, DRAFT_LIMITS } from "./draft";
import type { StepProps } from "./steps";

const PLACEHOLDER = '{"input": "My parcel is late.", "output": "Sorry! Could you share the order number?"}';

/** The user's own seed examples: pasted or loaded from a file, read by the server, with every bad line shown. */
export function SeedExamplesStep({ draft, change, errors }: StepProps) {
  const read = useReadSeedExamples();
  const [file, setFile] = useState<File | null>(null);
  const [result, setResult] = useState<SeedExamplesRead | null>(null);

  const check = (text: string) => {
    setResult(null);
    read.mutate(text, {
      onSuccess: (found) => {
        setResult(found);
        // Examples with a bad line are not used until the lines are fixed: nothing is dropped silently.
        change({ examples: found.errors.length === 0 ? found.examples : [] });
      },
    });
  };
  const edit = (examplesText: string) => {
    setResult(null);
    change({ examplesText, examples: [] });
  };
  const load = async (chosen: File | null) => {
    setFile(chosen);
    if (!chosen) return;
    const text = await chosen.text();
    edit(text);
    check(text);
  };
  const examplesError = result && result.errors.length > 0 ? null : errors.examplesText;

  return (
    <div className="space-y-4">
      <Field
        label="Your examples"
        htmlFor="examplesText"
        hint={`One JSON object per line, a JSON array, or CSV with input and output columns; at most ${SEED_EXAMPLES_MAX}.`}
        error={examplesError}
      >
        <Textarea
          limit={LIMITS.SeedExamplesText.text}
          rows={8}
          className="font-mono"
          placeholder={PLACEHOLDER}
          value={draft.examplesText}
          onChange={(e) => edit(e.target.value)}
        />
      </Field>
      <div className="flex flex-wrap items-center gap-3">
        <Button onClick={() => check(draft.examplesText)} disabled={!draft.examplesText.trim() || read.isPending}>
          {read.isPending ? "Checking…" : "Check examples"}
        </Button>
        {result && result.errors.length === 0 && (
          <p role="status" className="text-sm text-fg">
            {result.examples.length} example{result.examples.length === 1 ? "" : "s"} ready to amplify.
          </p>
        )}
      </div>
      {read.isError && <FormError>Could not read the examples: {errorMessage(read.error)}</FormError>}
      {result && result.errors.length > 0 && (
        <div role="alert" className="text-sm text-fg">
          <p>
            {result.errors.length} line{result.errors.length === 1 ? " is" : "s are"} not usable ({result.examples.length} good). Fix or
            remove {result.errors.length === 1 ? "it" : "them"}, then check again.
          </p>
          <RowErrorList rows={result.errors} label="Lines that are not usable examples" />
        </div>
      )}
      <DropZone
        id="seed-file"
        file={file}
        onFile={(chosen) => void load(chosen)}
        disabled={read.isPending}
        hint="Rows with input and output: the file's text replaces what is above."
      />
      <Field
        label="Instruction"
        htmlFor="instruction"
        hint="The task the examples show; it becomes the system prompt of every row."
        error={errors.instruction}
      >
        <Textarea limit={DRAFT_LIMITS.instruction} rows={3} value={draft.instruction} onChange={(e) => change({ instruction: e.target.value })} />
      </Field>
      {draft.dataType !== AMPLIFIED_DATA_TYPE && (
        <p className="text-sm text-muted">
          Amplified examples become single-turn chats, so the dataset&apos;s data type is “{AMPLIFIED_DATA_TYPE}”, not “
          {draft.dataType}”.
        </p>
      )}
    </div>
  );
}
