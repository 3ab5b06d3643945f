import type { Draft } from "./draft";

/** What every wizard step receives: the draft, a way to change it, and its fields' problems. */
export type StepProps = {
  draft: Draft;
  change: (changes: Partial<Draft>) => void;
  errors: Partial<Record<keyof Draft, string>>;
};
