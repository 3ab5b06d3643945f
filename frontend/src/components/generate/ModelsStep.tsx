"use client";

import { CONTROL, Field } from "@/components/ui/Field";
import { Skeleton } from "@/components/ui/Skeleton";
import { ErrorState } from "@/components/ui/StateViews";
import { LOCAL_MODEL, useProviderModels, useProviders, type Provider } from "@/hooks/queries/providers";

import type { Draft } from "./draft";
import type { StepProps } from "./steps";

/** One provider's models as an option group; rendered inside the <select>, it asks for its own list. */
function ProviderGroup({ provider }: { provider: Provider }) {
  const models = useProviderModels(provider.name);
  const ids = (models.data?.models ?? []).map((m) => m.id).filter((id) => id !== LOCAL_MODEL);
  if (ids.length === 0) return null;
  return (
    <optgroup label={provider.name}>
      {ids.map((id) => (
        <option key={id} value={id}>
          {id}
        </option>
      ))}
    </optgroup>
  );
}

type ModelSelectProps = {
  id: keyof Draft & ("teacher" | "student" | "judge");
  label: string;
  hint: string;
  providers: Provider[];
  value: string;
  onChange: (value: string) => void;
  allowDefault?: string;
};

function ModelSelect({ id, label, hint, providers, value, onChange, allowDefault }: ModelSelectProps) {
  return (
    <Field label={label} htmlFor={id} hint={hint}>
      <select id={id} className={CONTROL} value={value} onChange={(e) => onChange(e.target.value)}>
        {allowDefault !== undefined && <option value="">{allowDefault}</option>}
        <optgroup label="Bundled">
          <option value={LOCAL_MODEL}>{LOCAL_MODEL} (runs here, free)</option>
        </optgroup>
        {providers.map((p) => (
          <ProviderGroup key={p.name} provider={p} />
        ))}
      </select>
    </Field>
  );
}

export function ModelsStep({ draft, change }: StepProps) {
  const providers = useProviders();
  if (providers.isPending) return <Skeleton className="h-40 w-full" />;
  if (providers.isError) {
    return <ErrorState title="Could not load the providers" error={providers.error} onRetry={() => void providers.refetch()} />;
  }
  const usable = providers.data.filter((p) => p.configured && p.source !== "bundled");
  return (
    <div className="space-y-4">
      <ModelSelect
        id="teacher"
        label="Teacher"
        hint="Writes the seed rows and the task policy: the expensive, capable model."
        providers={usable}
        value={draft.teacher}
        onChange={(teacher) => change({ teacher })}
      />
      <ModelSelect
        id="student"
        label="Student"
        hint="Writes the bulk of the rows from the teacher's examples: the cheap model."
        providers={usable}
        value={draft.student}
        onChange={(student) => change({ student })}
      />
      <ModelSelect
        id="judge"
        label="Judge"
        hint="Scores every row; low scorers are fixed or removed."
        providers={usable}
        value={draft.judge}
        onChange={(judge) => change({ judge })}
        allowDefault="Same as the teacher"
      />
      {usable.length === 0 && (
        <p className="text-sm text-muted">
          No provider has a key yet: only the bundled model is offered. Add keys under Settings to use hosted models.
        </p>
      )}
    </div>
  );
}
