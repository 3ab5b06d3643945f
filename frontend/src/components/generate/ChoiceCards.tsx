import type { ReactNode } from "react";

import { Radio } from "@/components/ui/Checkbox";

export type Choice = { value: string; title: string; description?: ReactNode };

type ChoiceCardsProps = {
  /** The group's accessible name (its legend). */
  legend: string;
  name: string;
  choices: Choice[];
  value: string;
  onChange: (value: string) => void;
};

/** Radio buttons drawn as cards: arrow keys move between them, as in any radio group. */
export function ChoiceCards({ legend, name, choices, value, onChange }: ChoiceCardsProps) {
  return (
    <fieldset>
      <legend className="mb-2 text-sm font-medium text-fg">{legend}</legend>
      <div className="grid gap-3 sm:grid-cols-2 lg:grid-cols-3">
        {choices.map((choice) => (
          <label
            key={choice.value}
            className="flex cursor-pointer gap-3 rounded-lg border border-border bg-surface p-3 shadow-sm transition hover:bg-surface-muted has-[:checked]:border-accent has-[:checked]:ring-2 has-[:checked]:ring-accent/40 has-[:focus-visible]:outline has-[:focus-visible]:outline-2 has-[:focus-visible]:outline-accent"
          >
            <Radio name={name} value={choice.value} checked={value === choice.value} onChange={() => onChange(choice.value)} className="mt-1" />
            <span className="min-w-0">
              <span className="block text-sm font-medium text-fg">{choice.title}</span>
              {choice.description && <span className="mt-0.5 block text-xs text-muted">{choice.description}</span>}
            </span>
          </label>
        ))}
      </div>
    </fieldset>
  );
}
