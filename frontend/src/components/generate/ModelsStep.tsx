"use client";

import { DemoModelNotice } from "@/components/models/DemoModelNotice";
import { ModelSelect, usableProviders } from "@/components/models/ModelSelect";
import { Skeleton } from "@/components/ui/Skeleton";
import { ErrorState } from "@/components/ui/StateViews";
import { LOCAL_MODEL, useProviders } from "@/hooks/queries/providers";

import { AMPLIFIED_DATA_TYPE } from "./draft";
import { ModelAdvice } from "./ModelAdvice";
import type { StepProps } from "./steps";

export function ModelsStep({ draft, change }: StepProps) {
  const providers = useProviders();
  if (providers.isPending) return <Skeleton className="h-40 w-full" />;
  if (providers.isError) {
    return <ErrorState title="Could not load the providers" error={providers.error} onRetry={() => void providers.refetch()} />;
  }
  const usable = usableProviders(providers.data);
  const count = Number(draft.count);
  // A suggestion taken from the catalogue is offered in the pickers even when no provider lists it.
  const taken = [draft.student, draft.cheapJudge].filter((m) => m.includes(":") && m !== LOCAL_MODEL && !m.startsWith("tuned:"));
  return (
    <div className="space-y-4">
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
      {draft.source !== "prompts" && (
      <ModelSelect
        id="student"
        label="Student"
        hint="Writes the bulk of the rows from the teacher's examples: the cheap model."
        providers={usable}
        value={draft.student}
        onChange={(student) => change({ student })}
        suggested={taken}
        offerTuned
      />
      )}
      <ModelSelect
        id="judge"
        label="Judge"
        hint={
          draft.source === "prompts"
            ? "Scores the answers; low scorers are removed (an answer is never rewritten)."
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
