"use client";

import { CheckboxField } from "@/components/ui/Checkbox";
import { Field } from "@/components/ui/Field";
import { NumberInput } from "@/components/ui/NumberInput";
import type { PlaygroundChat } from "@/hooks/queries/playground";
import { LIMITS, accepts, rangeText, type NumberLimit } from "@/lib/limits";

const OPTIONS = LIMITS.DecodingOptions;

/** The decoding options as typed; an empty one means the model's default. */
export type Knobs = { temperature: string; topP: string; topK: string; maxTokens: string; seed: string; greedy: boolean };
export type KnobErrors = Partial<Record<keyof Knobs, string>>;
export const DEFAULT_KNOBS: Knobs = { temperature: "0.7", topP: "", topK: "", maxTokens: "256", seed: "", greedy: false };

/** Which knobs are out of the API's range, in words (greedy fixes the sampling ones). */
export function knobErrors(knobs: Knobs): KnobErrors {
  const errors: KnobErrors = {};
  const check = (key: keyof Knobs, raw: string, limit: NumberLimit, integer = false, optional = true) => {
    if (optional && raw.trim() === "") return;
    if (!accepts(raw, limit, { integer })) errors[key] = `${integer ? "A whole number" : "A number"} ${rangeText(limit)}`;
  };
  if (!knobs.greedy) {
    check("temperature", knobs.temperature, OPTIONS.temperature);
    check("topP", knobs.topP, OPTIONS.top_p);
    check("topK", knobs.topK, OPTIONS.top_k, true);
  }
  check("maxTokens", knobs.maxTokens, OPTIONS.max_tokens, true, false);
  check("seed", knobs.seed, OPTIONS.seed, true);
  return errors;
}

/** The request's decoding options from what was typed. */
export function decodingOptions(knobs: Knobs): PlaygroundChat["options"] {
  const number = (raw: string) => (raw.trim() === "" ? null : Number(raw));
  return {
    temperature: knobs.greedy ? null : number(knobs.temperature),
    top_p: knobs.greedy ? null : number(knobs.topP),
    top_k: knobs.greedy ? null : number(knobs.topK),
    max_tokens: Number(knobs.maxTokens),
    seed: number(knobs.seed),
    greedy: knobs.greedy,
  };
}

/** Temperature, top-p, top-k, max tokens, seed and greedy, each checked against the API's limits. */
export function DecodingFields({ knobs, errors, onChange }: { knobs: Knobs; errors: KnobErrors; onChange: (knobs: Knobs) => void }) {
  const set = (key: keyof Knobs) => (event: { target: { value: string } }) => onChange({ ...knobs, [key]: event.target.value });
  return (
    <fieldset className="min-w-0">
      <legend className="mb-2 text-sm font-medium text-fg">Decoding</legend>
      <div className="grid grid-cols-2 gap-3 sm:grid-cols-3 lg:grid-cols-6">
        <Field label="Temperature" htmlFor="pg-temperature" error={errors.temperature}>
          <NumberInput limit={OPTIONS.temperature} step={0.1} value={knobs.greedy ? "0" : knobs.temperature} disabled={knobs.greedy} onChange={set("temperature")} />
        </Field>
        <Field label="Top-p" htmlFor="pg-top-p" error={errors.topP}>
          <NumberInput limit={OPTIONS.top_p} step={0.05} value={knobs.topP} placeholder="default" disabled={knobs.greedy} onChange={set("topP")} />
        </Field>
        <Field label="Top-k" htmlFor="pg-top-k" error={errors.topK} hint="Bundled and tuned models">
          <NumberInput integer limit={OPTIONS.top_k} value={knobs.greedy ? "1" : knobs.topK} placeholder="default" disabled={knobs.greedy} onChange={set("topK")} />
        </Field>
        <Field label="Max tokens" htmlFor="pg-max-tokens" error={errors.maxTokens}>
          <NumberInput integer limit={OPTIONS.max_tokens} value={knobs.maxTokens} onChange={set("maxTokens")} />
        </Field>
        <Field label="Seed" htmlFor="pg-seed" error={errors.seed}>
          <NumberInput integer limit={OPTIONS.seed} value={knobs.seed} placeholder="random" onChange={set("seed")} />
        </Field>
        <CheckboxField
          id="pg-greedy"
          label="Greedy"
          hint="Always the likeliest token"
          className="self-end"
          checked={knobs.greedy}
          onCheckedChange={(greedy) => onChange({ ...knobs, greedy })}
        />
      </div>
    </fieldset>
  );
}
