"use client";

import { Field } from "@/components/ui/Field";
import { Textarea } from "@/components/ui/Input";
import { Select } from "@/components/ui/Select";
import { Skeleton } from "@/components/ui/Skeleton";
import { ErrorState } from "@/components/ui/StateViews";
import { useDomains } from "@/hooks/queries/catalog";

import { ChoiceCards } from "./ChoiceCards";
import { DRAFT_LIMITS, type Source } from "./draft";
import { PromptsStep } from "./PromptsStep";
import { SeedExamplesStep } from "./SeedExamplesStep";
import type { StepProps } from "./steps";

const SOURCES: { value: Source; title: string; description: string }[] = [
  { value: "domain", title: "A domain", description: "The teacher writes the first rows for scenarios drawn from a domain." },
  {
    value: "examples",
    title: "Your examples",
    description: "About ten input/output pairs and an instruction: the teacher traces them, the student writes many more like them.",
  },
  {
    value: "prompts",
    title: "Your prompts",
    description: "A file of your own prompts (CSV, JSONL, Parquet or OpenAI logs): the teacher answers each one.",
  },
];

/** The second step: a domain (and subdomain) to draw scenarios from, the user's own seed examples, or their prompts. */
export function DomainStep(props: StepProps) {
  const { draft, change } = props;
  return (
    <div className="space-y-5">
      <ChoiceCards
        legend="Where do the first rows come from?"
        name="source"
        value={draft.source}
        onChange={(source) => change({ source: source as Source })}
        choices={SOURCES}
      />
      {draft.source === "examples" ? (
        <SeedExamplesStep {...props} />
      ) : draft.source === "prompts" ? (
        <PromptsStep {...props} />
      ) : (
        <DomainPicker {...props} />
      )}
    </div>
  );
}

function DomainPicker({ draft, change }: StepProps) {
  const domains = useDomains();
  if (domains.isPending) return <Skeleton className="h-40 w-full" />;
  if (domains.isError) return <ErrorState title="Could not load the domains" error={domains.error} onRetry={() => void domains.refetch()} />;
  const chosen = domains.data.find((d) => d.id === draft.domain);
  const choices = [
    { value: "", title: "Any domain", description: "Scenarios are drawn across every domain." },
    ...domains.data.map((d) => ({ value: d.id, title: d.name, description: d.description })),
  ];
  return (
    <div className="space-y-5">
      <ChoiceCards
        legend="Which domain should the examples come from?"
        name="domain"
        value={draft.domain}
        onChange={(domain) => change({ domain, subdomain: "" })}
        choices={choices}
      />
      {chosen && (
        <Field label="Subdomain" htmlFor="subdomain" hint="Leave on “All subdomains” to mix them by weight.">
          <Select value={draft.subdomain} onChange={(e) => change({ subdomain: e.target.value })}>
            <option value="">All subdomains</option>
            {Object.entries(chosen.subdomains).map(([slug, sub]) => (
              <option key={slug} value={slug}>
                {sub.name}
              </option>
            ))}
          </Select>
        </Field>
      )}
      <Field label="Instruction (optional)" htmlFor="instruction" hint="What the dataset trains for, in your words.">
        <Textarea limit={DRAFT_LIMITS.instruction} rows={3} value={draft.instruction} onChange={(e) => change({ instruction: e.target.value })} />
      </Field>
    </div>
  );
}
