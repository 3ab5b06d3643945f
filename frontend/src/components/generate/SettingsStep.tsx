import { CONTROL, Field } from "@/components/ui/Field";

import type { Draft } from "./draft";
import type { StepProps } from "./steps";

/** The draft's fields a text input edits. */
type TextKey = { [K in keyof Draft]: Draft[K] extends string ? K : never }[keyof Draft];

type NumberFieldProps = StepProps & {
  field: TextKey;
  label: string;
  hint: string;
  step?: string;
  inputMode?: "numeric" | "decimal";
};

function TextField({ draft, change, errors, field, label, hint, step, inputMode }: NumberFieldProps) {
  const error = errors[field];
  return (
    <Field label={label} htmlFor={field} hint={hint} error={error}>
      <input
        id={field}
        type={inputMode ? "number" : "text"}
        step={step}
        inputMode={inputMode}
        className={CONTROL}
        value={draft[field]}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${field}-error` : `${field}-hint`}
        onChange={(e) => change({ [field]: e.target.value })}
      />
    </Field>
  );
}

export function SettingsStep(props: StepProps) {
  const examples = props.draft.source === "examples" ? props.draft.examples.length : null;
  return (
    <div className="grid gap-4 sm:grid-cols-2">
      <TextField {...props} field="name" label="Dataset name" hint="The dataset the job creates." />
      {examples === null ? (
        <>
          <TextField {...props} field="count" label="Number of rows" hint="How many accepted rows to produce." inputMode="numeric" step="1" />
          <TextField
            {...props}
            field="teacherRatio"
            label="Teacher share (%)"
            hint="Share of the rows the teacher writes; the student writes the rest."
            inputMode="decimal"
            step="1"
          />
        </>
      ) : (
        <TextField
          {...props}
          field="count"
          label="New rows"
          hint={`The student writes them on top of your ${examples} example${examples === 1 ? "" : "s"}, which are kept.`}
          inputMode="numeric"
          step="1"
        />
      )}
      <TextField {...props} field="language" label="Language (optional)" hint="e.g. English, German." />
      <TextField
        {...props}
        field="fixBelow"
        label="Fix rows scoring below"
        hint="Judge score, 0–10: lower rows are rewritten."
        inputMode="decimal"
        step="0.5"
      />
      <TextField
        {...props}
        field="removeBelow"
        label="Remove rows scoring below"
        hint="Judge score, 0–10: lower rows are dropped."
        inputMode="decimal"
        step="0.5"
      />
      <TextField
        {...props}
        field="judgeShare"
        label="Judged share (%)"
        hint="Share of the rows the judge scores; at 0 only the structure checks run."
        inputMode="decimal"
        step="1"
      />
      <TextField
        {...props}
        field="budget"
        label="Budget (US$, optional)"
        hint="The job pauses before spending more; you can raise it and resume."
        inputMode="decimal"
        step="0.01"
      />
    </div>
  );
}
