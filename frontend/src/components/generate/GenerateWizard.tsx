"use client";

import { useRouter } from "next/navigation";
import { useMemo, useRef, useState } from "react";

import { jobHref } from "@/components/jobs/links";
import { Button } from "@/components/ui/Button";
import { Card } from "@/components/ui/Card";
import { FormError } from "@/components/ui/Field";
import { PageHeader } from "@/components/ui/PageHeader";
import { useStartGeneration } from "@/hooks/queries/jobs";
import { useStartRelabel } from "@/hooks/queries/promptSets";
import { errorMessage } from "@/lib/api/client";

import { DataTypeStep } from "./DataTypeStep";
import { DomainStep } from "./DomainStep";
import { DEFAULT_DRAFT, problems, STEPS, toRelabelRequest, toRequest, type Draft, type Step } from "./draft";
import { EstimatePanel } from "./EstimatePanel";
import { ModelsStep } from "./ModelsStep";
import { ReviewStep } from "./ReviewStep";
import { SettingsStep } from "./SettingsStep";
import { StepList } from "./StepList";
import type { StepProps } from "./steps";

const BODIES = [DataTypeStep, DomainStep, ModelsStep, SettingsStep, ReviewStep] as const;
const LAST = (STEPS.length - 1) as Step;

export function GenerateWizard() {
  const router = useRouter();
  const generation = useStartGeneration();
  const relabel = useStartRelabel();
  const [draft, setDraft] = useState<Draft>(DEFAULT_DRAFT);
  const [step, setStep] = useState<Step>(0);
  const [shown, setShown] = useState<Step | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);

  // The estimate needs no name yet: it prices what the choices so far would cost.
  const estimateRequest = useMemo(() => toRequest({ ...draft, name: draft.name || "estimate" }), [draft]);
  const prompts = draft.source === "prompts";
  const start = prompts ? relabel : generation;
  const errors = shown === null ? {} : problems(draft, shown);
  const props: StepProps = { draft, change: (changes) => setDraft((d) => ({ ...d, ...changes })), errors };
  const Body = BODIES[step];

  const go = (next: Step) => {
    setStep(next);
    setShown(null);
    heading.current?.focus();
  };
  const next = () => {
    if (Object.keys(problems(draft, step)).length > 0) return setShown(step);
    go(Math.min(step + 1, LAST) as Step);
  };
  const submit = () => {
    const request = toRequest(draft);
    const relabelRequest = toRelabelRequest(draft);
    if (relabelRequest && draft.promptFile) {
      const input = { file: draft.promptFile, columns: draft.promptColumns, request: relabelRequest };
      return relabel.mutate(input, { onSuccess: (job) => router.push(jobHref(job.id)) });
    }
    if (!request) {
      // Back to the first step with a problem (the examples may have been edited since they were checked).
      const first: Step = Object.keys(problems(draft, 1)).length > 0 ? 1 : 3;
      go(first);
      return setShown(first);
    }
    generation.mutate(request, { onSuccess: (job) => router.push(jobHref(job.id)) });
  };
  const reachable = (target: Step) => target <= step || Object.keys(problems(draft, Math.max(0, target - 1) as Step)).length === 0;

  return (
    <>
      <PageHeader
        title="Generate a dataset"
        description="The teacher writes a few rows (or traces your examples), the student the rest, the judge scores them all."
      />
      <div className="grid items-start gap-4 lg:grid-cols-[minmax(0,1fr)_20rem]">
        <Card>
          <StepList current={step} reachable={reachable} onGo={go} />
          <h2 ref={heading} tabIndex={-1} className="mb-4 text-lg font-semibold text-fg outline-none">
            {STEPS[step]}
          </h2>
          <form
            aria-label={STEPS[step]}
            noValidate
            onSubmit={(event) => {
              event.preventDefault();
              if (step === LAST) submit();
              else next();
            }}
          >
            <Body {...props} />
            {start.isError && (
              <div className="mt-4">
                <FormError>Could not start the job: {errorMessage(start.error)}</FormError>
              </div>
            )}
            <div className="mt-6 flex flex-wrap justify-between gap-2 border-t border-border pt-4">
              <Button onClick={() => go(Math.max(0, step - 1) as Step)} disabled={step === 0}>
                Back
              </Button>
              <Button type="submit" variant="primary" disabled={start.isPending}>
                {step === LAST ? (start.isPending ? "Starting…" : prompts ? "Start answering" : "Start generation") : "Next"}
              </Button>
            </div>
          </form>
        </Card>
        {prompts ? null : <EstimatePanel request={estimateRequest} />}
      </div>
    </>
  );
}
