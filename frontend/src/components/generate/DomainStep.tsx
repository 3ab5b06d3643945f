"use client";

import { CONTROL, Field } from "@/components/ui/Field";
import { Skeleton } from "@/components/ui/Skeleton";
import { ErrorState } from "@/components/ui/StateViews";
import { useDomains } from "@/hooks/queries/catalog";

import { ChoiceCards } from "./ChoiceCards";
import type { StepProps } from "./steps";

export function DomainStep({ draft, change }: StepProps) {
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
          <select id="subdomain" className={CONTROL} value={draft.subdomain} onChange={(e) => change({ subdomain: e.target.value })}>
            <option value="">All subdomains</option>
            {Object.entries(chosen.subdomains).map(([slug, sub]) => (
              <option key={slug} value={slug}>
                {sub.name}
              </option>
            ))}
          </select>
        </Field>
      )}
      <Field label="Instruction (optional)" htmlFor="instruction" hint="What the dataset trains for, in your words.">
        <textarea
          id="instruction"
          rows={3}
          className={CONTROL}
          value={draft.instruction}
          onChange={(e) => change({ instruction: e.target.value })}
        />
      </Field>
    </div>
  );
}
