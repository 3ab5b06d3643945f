import type { FinetuneRequest } from "@/hooks/queries/finetune";
import { SEED_MAX } from "@/lib/seed";

/** The numeric settings of a run, as the form shows them: the main ones first, the rest under "Advanced". */
export type NumberKnob = {
  key: NumericKey;
  label: string;
  hint: string;
  min: number;
  max: number;
  step: number | "any";
  integer: boolean;
  /** Empty means "not set" (null), allowed only when `optional`. */
  optional?: boolean;
  advanced?: boolean;
};

export type NumericKey =
  | "max_steps"
  | "epochs"
  | "learning_rate"
  | "lora_r"
  | "lora_alpha"
  | "lora_dropout"
  | "batch_size"
  | "gradient_accumulation"
  | "max_seq_length"
  | "heldout_fraction"
  | "seed"
  | "eval_max_rows"
  | "eval_max_new_tokens";

/** The API's defaults (backend FinetuneRequest), as form text. */
export const DEFAULTS: Record<NumericKey, string> = {
  max_steps: "",
  epochs: "1",
  learning_rate: "0.0002",
  lora_r: "16",
  lora_alpha: "32",
  lora_dropout: "0.05",
  batch_size: "4",
  gradient_accumulation: "1",
  max_seq_length: "512",
  heldout_fraction: "0.1",
  seed: "0",
  eval_max_rows: "50",
  eval_max_new_tokens: "256",
};

export const KNOBS: readonly NumberKnob[] = [
  { key: "epochs", label: "Epochs", hint: "Passes over the training rows.", min: 0.01, max: 100, step: "any", integer: false },
  { key: "max_steps", label: "Max steps", hint: "Empty: as many as the epochs need.", min: 1, max: 1_000_000, step: 1, integer: true, optional: true },
  { key: "learning_rate", label: "Learning rate", hint: "2e-4 suits most LoRA runs.", min: 1e-8, max: 1, step: "any", integer: false },
  { key: "batch_size", label: "Batch size", hint: "Rows per step.", min: 1, max: 1024, step: 1, integer: true },
  { key: "lora_r", label: "LoRA rank", hint: "Higher learns more, trains slower.", min: 1, max: 1024, step: 1, integer: true },
  { key: "max_seq_length", label: "Max sequence length", hint: "Tokens per row; longer rows are cut.", min: 16, max: 32_768, step: 1, integer: true },
  { key: "lora_alpha", label: "LoRA alpha", hint: "Scale of the adapter; often twice the rank.", min: 1, max: 4096, step: 1, integer: true, advanced: true },
  { key: "lora_dropout", label: "LoRA dropout", hint: "From 0 to below 1.", min: 0, max: 0.99, step: "any", integer: false, advanced: true },
  { key: "gradient_accumulation", label: "Gradient accumulation", hint: "Batches per optimizer step.", min: 1, max: 1024, step: 1, integer: true, advanced: true },
  { key: "heldout_fraction", label: "Held-out fraction", hint: "Rows kept apart for evaluation.", min: 0.01, max: 0.99, step: "any", integer: false, advanced: true },
  { key: "seed", label: "Seed", hint: "Same seed, same split and order.", min: 0, max: SEED_MAX, step: 1, integer: true, advanced: true },
  { key: "eval_max_rows", label: "Evaluation rows", hint: "Held-out rows answered; empty: all.", min: 1, max: 100_000, step: 1, integer: true, optional: true, advanced: true },
  { key: "eval_max_new_tokens", label: "Evaluation answer tokens", hint: "Longest answer generated.", min: 1, max: 8192, step: 1, integer: true, advanced: true },
];

/** Why `text` is not a valid value of `knob`, or null when it is. */
export function knobError(knob: NumberKnob, text: string): string | null {
  if (text.trim() === "") return knob.optional ? null : "Enter a value.";
  const value = Number(text);
  if (!Number.isFinite(value)) return "Enter a number.";
  if (knob.integer && !Number.isInteger(value)) return "Enter a whole number.";
  if (value < knob.min || value > knob.max) return `Enter a value from ${knob.min} to ${knob.max}.`;
  return null;
}

export type FormState = {
  datasetId: string;
  name: string;
  values: Record<NumericKey, string>;
  evaluate: boolean;
  merge: boolean;
  teacher: string;
};

/** The request the form describes; call only when no knob has an error. */
export function toRequest(form: FormState): FinetuneRequest {
  const n = (key: NumericKey) => Number(form.values[key]);
  const optional = (key: NumericKey) => (form.values[key].trim() === "" ? null : n(key));
  return {
    dataset_id: form.datasetId,
    name: form.name.trim() || null,
    max_steps: optional("max_steps"),
    epochs: n("epochs"),
    learning_rate: n("learning_rate"),
    lora_r: n("lora_r"),
    lora_alpha: n("lora_alpha"),
    lora_dropout: n("lora_dropout"),
    batch_size: n("batch_size"),
    gradient_accumulation: n("gradient_accumulation"),
    max_seq_length: n("max_seq_length"),
    heldout_fraction: n("heldout_fraction"),
    seed: n("seed"),
    merge: form.merge,
    evaluate: form.evaluate,
    eval_max_rows: optional("eval_max_rows"),
    eval_max_new_tokens: n("eval_max_new_tokens"),
    teacher: form.teacher.trim() || null,
  };
}
