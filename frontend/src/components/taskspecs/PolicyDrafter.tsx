"use client";

import { useState } from "react";

import { ModelSelect, usableProviders } from "@/components/models/ModelSelect";
import { Button } from "@/components/ui/Button";
import { Field, FormError } from "@/components/ui/Field";
import { Textarea } from "@/components/ui/Input";
import { useProviders } from "@/hooks/queries/providers";
import { useDraftPolicy, type TaskSpecBody } from "@/hooks/queries/taskSpecs";
import { errorMessage } from "@/lib/api/client";

type PolicyDrafterProps = {
  /** The spec as edited so far (saved or not): the teacher reads its instruction, schema, rubric and policy. */
  spec: TaskSpecBody | null;
  /** Puts the draft in the policy editor, for the user to edit and save as a new version. */
  onDraft: (policy: string) => void;
};

/** "Draft the policy with the teacher": pick a model, give a few examples, get a draft to edit. */
export function PolicyDrafter({ spec, onDraft }: PolicyDrafterProps) {
  const providers = useProviders();
  const usable = usableProviders(providers.data ?? []);
  const [model, setModel] = useState("");
  const [examples, setExamples] = useState("");
  const draft = useDraftPolicy();
  const chosen = model;

  const run = () => {
    if (!spec || !chosen) return;
    const shown = examples
      .split(/\n\s*\n/)
      .map((text) => text.trim())
      .filter(Boolean)
      .slice(0, 20);
    draft.mutate({ spec, model: chosen, examples: shown }, { onSuccess: (found) => onDraft(found.policy) });
  };

  return (
    <details className="rounded border border-border p-3">
      <summary className="cursor-pointer text-sm font-medium text-fg">Draft the policy with the teacher</summary>
      <div className="mt-3 space-y-3">
        <p className="text-sm text-muted">
          The teacher reads the instruction, the output schema, the rubric, the current policy and your examples, and writes the rules every
          answer should follow. The draft replaces the text in the policy editor; nothing is saved until you save the spec (a new version). The
          call is paid and booked in the ledger.
        </p>
        <ModelSelect
          id="policy-draft-model"
          label="Teacher"
          hint="The model that writes the draft."
          providers={usable}
          value={model}
          onChange={setModel}
          allowDefault="Choose a model"
        />
        <Field label="Examples" htmlFor="policy-draft-examples" hint="A few rows or prompts of your data, separated by a blank line (up to 8 are shown).">
          <Textarea rows={5} value={examples} onChange={(e) => setExamples(e.target.value)} />
        </Field>
        {draft.isError && <FormError>Could not draft the policy: {errorMessage(draft.error)}</FormError>}
        {draft.data && (
          <p role="status" className="text-sm text-muted">
            Drafted by {draft.data.model} from {draft.data.examples} example{draft.data.examples === 1 ? "" : "s"}
            {draft.data.cost_usd != null ? ` for $${Number(draft.data.cost_usd).toFixed(6)}` : " (no price known for this model)"}: edit it
            below, then save.
          </p>
        )}
        <Button onClick={run} disabled={!spec || !chosen || draft.isPending}>
          {draft.isPending ? "Drafting…" : "Draft the policy"}
        </Button>
      </div>
    </details>
  );
}

type PolicyFieldProps = { value: string; onChange: (policy: string) => void; readOnly: boolean; spec: TaskSpecBody | null };

/** The policy editor, and (for a writer) the teacher's draft that fills it. */
export function PolicyField({ value, onChange, readOnly, spec }: PolicyFieldProps) {
  return (
    <>
      <Field label="Policy" htmlFor="spec-policy" hint="Rules every answer follows; the teacher, the student and the judge see it.">
        <Textarea rows={5} value={value} onChange={(e) => onChange(e.target.value)} readOnly={readOnly} />
      </Field>
      {!readOnly && <PolicyDrafter spec={spec} onDraft={onChange} />}
    </>
  );
}
