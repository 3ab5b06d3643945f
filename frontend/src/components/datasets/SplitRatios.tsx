"use client";

import { useState } from "react";

import { Field } from "@/components/ui/Field";
import { NumberInput } from "@/components/ui/NumberInput";

export const SPLIT_NAMES = ["train", "validation", "test"] as const;
export type SplitName = (typeof SPLIT_NAMES)[number];
type Percents = Record<SplitName, string>;

const DEFAULT: Percents = { train: "80", validation: "10", test: "10" };

/** Train / validation / test shares in percent, checked to be whole numbers that add up to 100. */
export function useSplitRatios() {
  const [percents, setPercents] = useState<Percents>(DEFAULT);
  const numbers = SPLIT_NAMES.map((name) => Number(percents[name]));
  const wellFormed = SPLIT_NAMES.every((name) => /^\d{1,3}$/.test(percents[name].trim()));
  const total = numbers.reduce((sum, n) => sum + n, 0);
  const error = !wellFormed
    ? "Each share is a whole number of percent."
    : total !== 100
      ? `The shares add up to ${total}%, not 100%.`
      : null;
  const ratios = Object.fromEntries(SPLIT_NAMES.map((name, i) => [name, (numbers[i] ?? 0) / 100]));
  return {
    percents,
    error,
    /** Split name → fraction, as the API takes it. */
    ratios: ratios as Record<SplitName, number>,
    /** The export endpoint's `splits` parameter, e.g. "train=0.8,validation=0.1,test=0.1". */
    query: SPLIT_NAMES.map((name) => `${name}=${ratios[name]}`).join(","),
    set: (name: SplitName, value: string) => setPercents((p) => ({ ...p, [name]: value })),
  };
}

export type SplitRatiosState = ReturnType<typeof useSplitRatios>;

/** Three percent inputs and the seed that decides which example goes where. */
export function SplitRatioFields({ state, idPrefix }: { state: SplitRatiosState; idPrefix: string }) {
  return (
    <fieldset aria-describedby={state.error ? `${idPrefix}-error` : undefined}>
      <legend className="text-sm font-medium text-fg">Shares</legend>
      <div className="mt-1 grid grid-cols-3 gap-2">
        {SPLIT_NAMES.map((name) => (
          <Field key={name} label={`${name} %`} htmlFor={`${idPrefix}-${name}`} labelClassName="text-xs font-normal capitalize text-muted">
            <NumberInput
              integer
              min={0}
              max={100}
              value={state.percents[name]}
              aria-invalid={state.error ? true : undefined}
              onChange={(event) => state.set(name, event.target.value)}
              className="tabular-nums"
            />
          </Field>
        ))}
      </div>
      {state.error && (
        <p id={`${idPrefix}-error`} className="mt-1 text-xs text-danger">
          {state.error}
        </p>
      )}
    </fieldset>
  );
}
