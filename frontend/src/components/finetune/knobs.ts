import type { FinetuneRequest, GgufType } from "@/hooks/queries/finetune";
import { LIMITS, accepts, rangeText, type NumberLimit } from "@/lib/limits";

/** The numeric settings of a run, as the form shows them: the main ones first, the rest under "Advanced". */
export type NumberKnob = {
  key: NumericKey;
  label: string;
  hint: string;
  /** The API's range for the setting (FinetuneRequest in the OpenAPI schema). */
  limit: NumberLimit;
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

const L = LIMITS.FinetuneRequest;

export const KNOBS: readonly NumberKnob[] = [
  { key: "epochs", label: "Epochs", hint: "Passes over the training rows.", limit: L.epochs, integer: false },
  { key: "max_steps", label: "Max steps", hint: "Empty: as many as the epochs need.", limit: L.max_steps, integer: true, optional: true },
  { key: "learning_rate", label: "Learning rate", hint: "2e-4 suits most LoRA runs.", limit: L.learning_rate, integer: false },
  { key: "batch_size", label: "Batch size", hint: "Rows per step.", limit: L.batch_size, integer: true },
  { key: "lora_r", label: "LoRA rank", hint: "Higher learns more, trains slower.", limit: L.lora_r, integer: true },
  { key: "max_seq_length", label: "Max sequence length", hint: "Tokens per row; longer rows are cut.", limit: L.max_seq_length, integer: true },
  { key: "lora_alpha", label: "LoRA alpha", hint: "Scale of the adapter; often twice the rank.", limit: L.lora_alpha, integer: true, advanced: true },
  { key: "lora_dropout", label: "LoRA dropout", hint: "From 0 to below 1.", limit: L.lora_dropout, integer: false, advanced: true },
  { key: "gradient_accumulation", label: "Gradient accumulation", hint: "Batches per optimizer step.", limit: L.gradient_accumulation, integer: true, advanced: true },
  { key: "heldout_fraction", label: "Held-out fraction", hint: "Rows kept apart for evaluation.", limit: L.heldout_fraction, integer: false, advanced: true },
  { key: "seed", label: "Seed", hint: "Same seed, same split and order.", limit: L.seed, integer: true, advanced: true },
  { key: "eval_max_rows", label: "Evaluation rows", hint: "Held-out rows answered; empty: all.", limit: L.eval_max_rows, integer: true, optional: true, advanced: true },
  { key: "eval_max_new_tokens", label: "Evaluation answer tokens", hint: "Longest answer generated.", limit: L.eval_max_new_tokens, integer: true, advanced: true },
];

/** Why `text` is not a valid value of `knob`, or null when it is. */
export function knobError(knob: NumberKnob, text: string): string | null {
  if (text.trim() === "") return knob.optional ? null : "Enter a value.";
  const value = Number(text);
  if (!Number.isFinite(value)) return "Enter a number.";
  if (knob.integer && !Number.isInteger(value)) return "Enter a whole number.";
  return accepts(text, knob.limit) ? null : `Enter a value ${rangeText(knob.limit)}.`;
}

export type FormState = {
  datasetId: string;
  name: string;
  values: Record<NumericKey, string>;
  evaluate: boolean;
  merge: boolean;
  teacher: string;
  /** The judge of the evaluation's win rates (a model id); empty: no judge. */
  judge: string;
  baseModel: string;
  gguf: GgufType[];
  quantize: boolean;
  gradientCheckpointing: boolean;
  bf16: boolean;
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
    base_model: form.baseModel,
    gguf: form.gguf,
    quantize: form.quantize ? "4bit" : "none",
    gradient_checkpointing: form.gradientCheckpointing,
    bf16: form.bf16,
    evaluate: form.evaluate,
    eval_max_rows: optional("eval_max_rows"),
    eval_max_new_tokens: n("eval_max_new_tokens"),
    teacher: form.teacher.trim() || null,
    judge: form.evaluate && form.judge ? form.judge : null,
  };
}
