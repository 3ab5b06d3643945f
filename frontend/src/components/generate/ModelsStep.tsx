"use client";

import { DemoModelNotice } from "@/components/models/DemoModelNotice";
import { ModelSelect, usableProviders } from "@/components/models/ModelSelect";
import { Skeleton } from "@/components/ui/Skeleton";
import { ErrorState } from "@/components/ui/StateViews";
import { useProviders } from "@/hooks/queries/providers";

import type { StepProps } from "./steps";

export function ModelsStep({ draft, change }: StepProps) {
  const providers = useProviders();
  if (providers.isPending) return <Skeleton className="h-40 w-full" />;
  if (providers.isError) {
    return <ErrorState title="Could not load the providers" error={providers.error} onRetry={() => void providers.refetch()} />;
  }
  const usable = usableProviders(providers.data);
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
      <DemoModelNotice models={[draft.teacher, draft.student, draft.judge]} />
      {usable.length === 0 && (
        <p className="text-sm text-muted">
          No provider has a key yet: only the bundled model is offered. Add keys under Settings to use hosted models.
        </p>
      )}
    </div>
  );
}
