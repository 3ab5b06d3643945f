import { Field } from "@/components/ui/Field";
import { TextInput } from "@/components/ui/Input";
import { NumberInput } from "@/components/ui/NumberInput";
import { useMyQuotas } from "@/hooks/queries/users";

import { ChoiceCards } from "./ChoiceCards";
import { DRAFT_LIMITS, promptCount, type Delivery, type Draft } from "./draft";
import type { StepProps } from "./steps";

/** The draft's fields a text or number input edits. */
type TextKey = { [K in keyof Draft]: Draft[K] extends string ? K : never }[keyof Draft];
type TextLimitKey = "name" | "language";
type NumberLimitKey = Exclude<keyof typeof DRAFT_LIMITS, TextLimitKey | "instruction">;

type FieldProps = StepProps & { label: string; hint: string };

function TextField({ draft, change, errors, field, label, hint }: FieldProps & { field: TextLimitKey }) {
  return (
    <Field label={label} htmlFor={field} hint={hint} error={errors[field]}>
      <TextInput limit={DRAFT_LIMITS[field]} value={draft[field]} onChange={(e) => change({ [field]: e.target.value })} />
    </Field>
  );
}

type NumberFieldProps = FieldProps & {
  field: NumberLimitKey & TextKey;
  step: number;
  integer?: boolean;
  /** 100 for a percentage of a fraction the API takes from 0 to 1. */
  scale?: number;
};

function NumberField({ draft, change, errors, field, label, hint, step, integer, scale }: NumberFieldProps) {
  return (
    <Field label={label} htmlFor={field} hint={hint} error={errors[field]}>
      <NumberInput
        limit={DRAFT_LIMITS[field]}
        scale={scale}
        integer={integer}
        step={step}
        value={draft[field]}
        onChange={(e) => change({ [field]: e.target.value })}
      />
    </Field>
  );
}

/** The role's largest job, as a sentence for a hint ("" when the role has no limit or it is loading). */
function useRowCap(withExamples: boolean): string {
  const rows = useMyQuotas().data?.max_job_rows;
  if (rows == null) return "";
  return ` Your role may start jobs of at most ${rows.toLocaleString("en")} rows${withExamples ? ", your examples included" : ""}.`;
}

const DELIVERIES = [
  { value: "online", title: "Online", description: "Every request is answered in seconds, at the standard price." },
  {
    value: "batch",
    title: "Batch (50% off, answers within hours)",
    description: "Rows, judging and fixes go through the providers' batch APIs (OpenAI, Anthropic); other models are asked online.",
  },
  {
    value: "auto",
    title: "Auto (batch until the deadline nears)",
    description: "Batch while the deadline is more than the providers' 24-hour batch window away, online after.",
  },
];

export function SettingsStep(props: StepProps) {
  const examples = props.draft.source === "examples" ? props.draft.examples.length : null;
  const prompts = props.draft.source === "prompts";
  // Preference pairs are kept by the pairwise judge's margin (Models step), not by these row scores.
  const pairs = prompts && props.draft.promptOutput === "preference";
  const rowCap = useRowCap(examples !== null);
  return (
    <div className="grid gap-4 sm:grid-cols-2">
      <TextField {...props} field="name" label="Dataset name" hint="The dataset the job creates." />
      {prompts ? (
        <p className="text-sm text-muted sm:col-span-2">
          {pairs ? "At most one pair per prompt" : "One row per prompt"}: {promptCount(props.draft)} prompt
          {promptCount(props.draft) === 1 ? "" : "s"} to answer.
        </p>
      ) : examples === null ? (
        <>
          <NumberField {...props} field="count" label="Number of rows" hint={`How many accepted rows to produce.${rowCap}`} integer step={1} />
          <NumberField
            {...props}
            field="teacherRatio"
            label="Teacher share (%)"
            hint="Share of the rows the teacher writes; the student writes the rest."
            scale={100}
            step={1}
          />
        </>
      ) : (
        <NumberField
          {...props}
          field="count"
          label="New rows"
          hint={`The student writes them on top of your ${examples} example${examples === 1 ? "" : "s"}, which are kept.${rowCap}`}
          integer
          step={1}
        />
      )}
      {!prompts && <TextField {...props} field="language" label="Language (optional)" hint="e.g. English, German." />}
      {!prompts && (
        <NumberField {...props} field="fixBelow" label="Fix rows scoring below" hint="Judge score, 0–10: lower rows are rewritten." step={0.5} />
      )}
      {!pairs && (
        <NumberField {...props} field="removeBelow" label="Remove rows scoring below" hint="Judge score, 0–10: lower rows are dropped." step={0.5} />
      )}
      {!pairs && (
        <NumberField
          {...props}
          field="judgeShare"
          label="Judged share (%)"
          hint="Share of the rows the judge scores; at 0 only the structure checks run."
          scale={100}
          step={1}
        />
      )}
      <NumberField
        {...props}
        field="cheapShare"
        label="Cheap judge share (%)"
        hint="Judge policy: share of the student's rows the student itself scores first; the teacher's rows always get the strong judge."
        scale={100}
        step={1}
      />
      <NumberField
        {...props}
        field="escalateMargin"
        label="Escalation margin"
        hint="Cheap scores below the fix threshold plus this go to the strong judge; wider costs more."
        step={0.5}
      />
      <NumberField
        {...props}
        field="budget"
        label="Budget (US$, optional)"
        hint="The job pauses before spending more; you can raise it and resume."
        step={0.01}
      />
      {!prompts && (
        <div className="sm:col-span-2">
          <ChoiceCards
            legend="Delivery"
            name="delivery"
            value={props.draft.delivery}
            onChange={(delivery) => props.change({ delivery: delivery as Delivery })}
            choices={DELIVERIES}
          />
        </div>
      )}
      {!prompts && props.draft.delivery === "auto" && (
        <NumberField
          {...props}
          field="deadlineHours"
          label="Deadline (hours from now)"
          hint="Under 24 hours, every request goes online."
          step={1}
        />
      )}
    </div>
  );
}
