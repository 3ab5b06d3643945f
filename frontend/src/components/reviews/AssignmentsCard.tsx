"use client";

import { useState, type FormEvent } from "react";

import { Button } from "@/components/ui/Button";
import { Card } from "@/components/ui/Card";
import { Field, FormError } from "@/components/ui/Field";
import { TextInput } from "@/components/ui/Input";
import { NumberInput } from "@/components/ui/NumberInput";
import { Skeleton } from "@/components/ui/Skeleton";
import { ErrorState } from "@/components/ui/StateViews";
import { useAssign, useAssignments, type Assignment } from "@/hooks/queries/reviews";
import { errorMessage } from "@/lib/api/client";
import { LIMITS } from "@/lib/limits";

const number = (text: string) => (text.trim() === "" ? null : Number(text));

function range({ score_min, score_max }: Pick<Assignment, "score_min" | "score_max">): string {
  if (score_min === null && score_max === null) return "every row";
  if (score_min === null) return `scored at most ${score_max}`;
  if (score_max === null) return `scored at least ${score_min}`;
  return `scored ${score_min} to ${score_max}`;
}

function AssignForm({ datasetId }: { datasetId: string }) {
  const assign = useAssign(datasetId);
  const [email, setEmail] = useState("");
  const [min, setMin] = useState("");
  const [max, setMax] = useState("");
  const submit = (event: FormEvent) => {
    event.preventDefault();
    assign.mutate({ email, score_min: number(min), score_max: number(max) }, { onSuccess: () => setEmail("") });
  };
  return (
    <form onSubmit={submit} aria-label="Assign rows" className="mt-3 space-y-2">
      <Field label="Reviewer's e-mail" htmlFor="assign-email">
        <TextInput type="email" required value={email} onChange={(e) => setEmail(e.target.value)} limit={LIMITS.AssignmentCreate.email} />
      </Field>
      <div className="grid grid-cols-2 gap-2">
        <Field label="Score from" htmlFor="assign-min">
          <NumberInput value={min} step={0.1} onChange={(e) => setMin(e.target.value)} limit={LIMITS.AssignmentCreate.score_min} />
        </Field>
        <Field label="Score to" htmlFor="assign-max">
          <NumberInput value={max} step={0.1} onChange={(e) => setMax(e.target.value)} limit={LIMITS.AssignmentCreate.score_max} />
        </Field>
      </div>
      <Button type="submit" disabled={assign.isPending || !email}>
        Assign
      </Button>
      {assign.isError && <FormError>{errorMessage(assign.error)}</FormError>}
    </form>
  );
}

/** Reviewers and the rows assigned to them (by judge score), with their progress; the owner assigns here. */
export function AssignmentsCard({ datasetId, canAssign }: { datasetId: string; canAssign: boolean }) {
  const assignments = useAssignments(datasetId);
  const end = useAssign(datasetId);
  return (
    <Card title="Reviewers" labelledBy="review-assignments-title">
      {assignments.isPending ? (
        <Skeleton className="h-16 w-full" />
      ) : assignments.isError ? (
        <ErrorState title="Could not load the assignments" error={assignments.error} onRetry={() => void assignments.refetch()} retrying={assignments.isFetching} />
      ) : assignments.data.length === 0 ? (
        <p className="text-sm text-muted">No one is assigned: every reviewer sees every row.</p>
      ) : (
        <ul aria-label="Assignments" className="space-y-2 text-sm">
          {assignments.data.map((a) => (
            <li key={a.reviewer_id} className="flex items-center justify-between gap-2">
              <span>
                <span className="text-fg">{a.email}</span>
                <span className="block text-xs text-muted">
                  {range(a)}: {a.decided} of {a.rows} decided
                </span>
              </span>
              {canAssign && (
                <Button size="sm" variant="ghost" aria-label={`End the assignment of ${a.email}`} onClick={() => end.mutate({ remove: a.reviewer_id })}>
                  End
                </Button>
              )}
            </li>
          ))}
        </ul>
      )}
      {canAssign && <AssignForm datasetId={datasetId} />}
    </Card>
  );
}
