"use client";

import { useRouter } from "next/navigation";
import { useMemo, useRef, useState } from "react";

import { jobHref } from "@/components/jobs/links";
import { Button } from "@/components/ui/Button";
import { Card } from "@/components/ui/Card";
import { CheckboxField } from "@/components/ui/Checkbox";
import { FormError } from "@/components/ui/Field";
import { PageHeader } from "@/components/ui/PageHeader";
import { useEstimate, useStartGeneration } from "@/hooks/queries/jobs";
import { useDiscardPreview, useStartPreview } from "@/hooks/queries/preview";
import { useStartPreference, useStartRelabel } from "@/hooks/queries/promptSets";
import { useDebounced } from "@/hooks/useDebounced";
import { errorMessage } from "@/lib/api/client";
import { formatUsd } from "@/lib/money";

import { DataTypeStep } from "./DataTypeStep";
import { DomainStep } from "./DomainStep";
import { DEFAULT_DRAFT, problems, STEPS, toRequest, type Draft, type Step } from "./draft";
import { toPreferenceRequest, toRelabelRequest } from "./promptRequests";
import { ESTIMATE_DEBOUNCE_MS, EstimatePanel } from "./EstimatePanel";
import { ModelsStep } from "./ModelsStep";
import { PreviewPanel } from "./PreviewPanel";
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
  const pairs = useStartPreference();
  const startPreview = useStartPreview();
  const discardPreview = useDiscardPreview();
  const [previewId, setPreviewId] = useState<string | null>(null);
  const [draft, setDraft] = useState<Draft>(DEFAULT_DRAFT);
  const [step, setStep] = useState<Step>(0);
  const [shown, setShown] = useState<Step | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);

  // The estimate needs no name yet: it prices what the choices so far would cost.
  const estimateRequest = useMemo(() => toRequest({ ...draft, name: draft.name || "estimate" }), [draft]);
  const prompts = draft.source === "prompts";
  const start = prompts ? (draft.promptOutput === "preference" ? pairs : relabel) : generation;
  // The same query as the panel's (same key, one request): what the budget is compared with.
  const estimate = useEstimate(useDebounced(estimateRequest, ESTIMATE_DEBOUNCE_MS)).data;
  const total = estimate?.total_usd ?? null;
  const overBudget = !prompts && draft.budget.trim() !== "" && total !== null && Number(total) > Number(draft.budget);
  // The confirmation holds for this estimate and this budget only.
  const overKey = `${total}/${draft.budget}`;
  const [confirmedOver, setConfirmedOver] = useState<string | null>(null);
  const needsConfirmation = overBudget && confirmedOver !== overKey;
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
    const preferenceRequest = toPreferenceRequest(draft);
    const source = draft.promptSet
      ? { stored: draft.promptSet }
      : draft.promptFile
      ? { file: draft.promptFile, columns: draft.promptColumns }
      : null;
    if (preferenceRequest && source) {
      return pairs.mutate({ source, request: preferenceRequest }, { onSuccess: (job) => router.push(jobHref(job.id)) });
    }
    if (relabelRequest && source) {
      return relabel.mutate({ source, request: relabelRequest }, { onSuccess: (job) => router.push(jobHref(job.id)) });
    }
    if (!request) {
      // Back to the first step with a problem (the examples may have been edited since they were checked).
      const first: Step = Object.keys(problems(draft, 1)).length > 0 ? 1 : Object.keys(problems(draft, 2)).length > 0 ? 2 : 3;
      go(first);
      return setShown(first);
    }
    if (needsConfirmation) return;
    generation.mutate(request, {
      onSuccess: (job) => {
        // The preview served its turn: its rows go (a running one is stopped), its cost stays in the ledger.
        if (previewId !== null) discardPreview.mutate(previewId, { onError: () => undefined });
        router.push(jobHref(job.id));
      },
    });
  };
  const previewRequest = draft.source === "domain" ? toRequest(draft) : null;
  const preview = () => {
    if (!previewRequest) return setShown(step);
    startPreview.mutate(previewRequest, { onSuccess: (job) => setPreviewId(job.id) });
  };
  const discard = () => {
    if (previewId === null) return;
    discardPreview.mutate(previewId, {
      onSuccess: (outcome) => {
        if (outcome === "stopped") return;
        setPreviewId(null);
        startPreview.reset();
      },
    });
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
            {step === LAST && overBudget && (
              <div className="mt-4 rounded-lg border border-warn/40 bg-warn-soft px-4 py-3" data-testid="over-budget">
                <CheckboxField
                  id="confirm-over-budget"
                  label={`Start anyway: the estimate ${formatUsd(total)} exceeds the budget ${formatUsd(draft.budget)}`}
                  hint="The job pauses when it reaches the budget; you can raise it and resume."
                  checked={confirmedOver === overKey}
                  onCheckedChange={(checked) => setConfirmedOver(checked ? overKey : null)}
                />
              </div>
            )}
            {step === LAST && draft.source === "domain" && (
              <PreviewPanel
                jobId={previewId}
                request={previewRequest}
                starting={startPreview.isPending}
                startError={startPreview.error}
                onStart={preview}
                onDiscard={discard}
                discarding={discardPreview.isPending}
              />
            )}
            {start.isError && (
              <div className="mt-4">
                <FormError>Could not start the job: {errorMessage(start.error)}</FormError>
              </div>
            )}
            <div className="mt-6 flex flex-wrap justify-between gap-2 border-t border-border pt-4">
              <Button onClick={() => go(Math.max(0, step - 1) as Step)} disabled={step === 0}>
                Back
              </Button>
              <Button type="submit" variant="primary" disabled={start.isPending || (step === LAST && needsConfirmation)}>
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
