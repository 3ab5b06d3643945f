"use client";

import { DemoModelNotice } from "@/components/models/DemoModelNotice";
import { ModelSelect, usableProviders } from "@/components/models/ModelSelect";
import { Field } from "@/components/ui/Field";
import { NumberInput } from "@/components/ui/NumberInput";
import { Skeleton } from "@/components/ui/Skeleton";
import { ErrorState } from "@/components/ui/StateViews";
import { LOCAL_MODEL, useProviders } from "@/hooks/queries/providers";

import { ChoiceCards } from "./ChoiceCards";
import { AMPLIFIED_DATA_TYPE, DRAFT_LIMITS, type PromptOutput } from "./draft";
import { ModelAdvice } from "./ModelAdvice";
import type { StepProps } from "./steps";

const PROMPT_OUTPUTS = [
  { value: "answers", title: "Teacher answers", description: "The teacher answers every prompt." },
  {
    value: "cascade",
    title: "Student first",
    description: "The student answers each prompt; the judge scores it and the teacher re-answers the low scorers.",
  },
  {
    value: "preference",
    title: "Preference pairs",
    description: "Teacher and student both answer; a judge compares them in both orders; clear winners become chosen / rejected pairs.",
  },
];

export function ModelsStep({ draft, change, errors }: StepProps) {
  const providers = useProviders();
  if (providers.isPending) return <Skeleton className="h-40 w-full" />;
  if (providers.isError) {
    return <ErrorState title="Could not load the providers" error={providers.error} onRetry={() => void providers.refetch()} />;
  }
  const usable = usableProviders(providers.data);
  const count = Number(draft.count);
  // A suggestion taken from the catalogue is offered in the pickers even when no provider lists it.
  const taken = [draft.student, draft.cheapJudge].filter((m) => m.includes(":") && m !== LOCAL_MODEL && !m.startsWith("tuned:"));
  const prompts = draft.source === "prompts";
  const withStudent = !prompts || draft.promptOutput !== "answers";
  return (
    <div className="space-y-4">
      {prompts && (
        <ChoiceCards
          legend="What the job makes"
          name="prompt-output"
          choices={PROMPT_OUTPUTS}
          value={draft.promptOutput}
          onChange={(value) => change({ promptOutput: value as PromptOutput })}
        />
      )}
      <ModelSelect
        id="teacher"
        label="Teacher"
        hint={
          draft.source === "prompts"
            ? "Answers every one of your prompts."
            : "Writes the seed rows and the task policy: the expensive, capable model."
        }
        providers={usable}
        value={draft.teacher}
        onChange={(teacher) => change({ teacher })}
      />
      {withStudent && (
        <ModelSelect
          id="student"
          label="Student"
          hint={
            prompts
              ? draft.promptOutput === "preference"
                ? "The other side of each pair: the model you train, or a cheaper one."
                : "Answers every prompt first: the cheap model whose answers are kept when the judge scores them well."
              : "Writes the bulk of the rows from the teacher's examples: the cheap model."
          }
          providers={usable}
          value={draft.student}
          onChange={(student) => change({ student })}
          suggested={taken}
          offerTuned={!prompts}
        />
      )}
      {prompts && errors.student && (
        <p className="text-xs text-danger" data-testid="student-error">
          {errors.student}
        </p>
      )}
      {prompts && draft.promptOutput === "preference" && (
        <Field
          label="Minimum margin"
          htmlFor="minMargin"
          hint="Score points, 0–10: a pair is kept when both orders prefer the same answer by at least this much."
          error={errors.minMargin}
        >
          <NumberInput
            limit={DRAFT_LIMITS.minMargin}
            step={0.5}
            value={draft.minMargin}
            onChange={(e) => change({ minMargin: e.target.value })}
          />
        </Field>
      )}
      {prompts && draft.promptOutput === "cascade" && (
        <Field
          label="Escalate to the teacher below"
          htmlFor="escalateBelow"
          hint="Judge score, 0–10: a student answer scoring lower (or failing its checks) is answered again by the teacher."
          error={errors.escalateBelow}
        >
          <NumberInput
            limit={DRAFT_LIMITS.escalateBelow}
            step={0.5}
            value={draft.escalateBelow}
            onChange={(e) => change({ escalateBelow: e.target.value })}
          />
        </Field>
      )}
      <ModelSelect
        id="judge"
        label="Judge"
        hint={
          draft.source === "prompts"
            ? draft.promptOutput === "preference"
              ? "Compares the teacher's and the student's answers, twice with the order swapped."
              : "Scores the answers; low scorers are removed (an answer is never rewritten)."
            : "Scores every row; low scorers are fixed or removed."
        }
        providers={usable}
        value={draft.judge}
        onChange={(judge) => change({ judge })}
        allowDefault="Same as the teacher"
      />
      {draft.source !== "prompts" && (
        <p className="text-sm text-muted" data-testid="cheap-judge">
          Cheap judge: {draft.cheapJudge || "the student"}{" "}
          {draft.cheapJudge && (
            <button type="button" className="font-medium text-accent hover:underline" onClick={() => change({ cheapJudge: "" })}>
              Use the student again
            </button>
          )}
        </p>
      )}
      {draft.source !== "prompts" && (
        <ModelAdvice
          teacher={draft.teacher}
          dataType={draft.source === "examples" ? AMPLIFIED_DATA_TYPE : draft.dataType}
          count={Number.isInteger(count) && count > 0 ? count : 100}
          student={draft.student}
          cheapJudge={draft.cheapJudge}
          onStudent={(student) => change({ student })}
          onCheapJudge={(cheapJudge) => change({ cheapJudge })}
        />
      )}
      <DemoModelNotice models={[draft.teacher, draft.student, draft.judge]} />
      {usable.length === 0 && (
        <p className="text-sm text-muted">
          No provider has a key yet: only the bundled model is offered. Add keys under Settings to use hosted models.
        </p>
      )}
    </div>
  );
}
