"use client";

import { CheckboxField } from "@/components/ui/Checkbox";
import { Field } from "@/components/ui/Field";
import { Select } from "@/components/ui/Select";
import { Skeleton } from "@/components/ui/Skeleton";
import { ErrorState } from "@/components/ui/StateViews";
import { useBaseModels, type BaseModel, type BaseModelEstimate, type GgufType } from "@/hooks/queries/finetune";
import { formatBytes } from "@/lib/format";
import { formatSeconds } from "@/lib/money";

import type { FormState } from "./knobs";

export const GGUF_TYPES: { type: GgufType; label: string }[] = [
  { type: "f16", label: "f16 (full precision)" },
  { type: "q8_0", label: "q8_0 (8-bit)" },
  { type: "q4_0", label: "q4_0 (4-bit)" },
  { type: "q4_k_m", label: "q4_k_m (4-bit, k-quant)" },
];

type Update = (change: Partial<FormState>) => void;

/** "135M", "1.5B" parameters. */
export function formatParams(params: number): string {
  if (params >= 1e9) return `${(params / 1e9).toFixed(1)}B`;
  if (params >= 1e6) return `${Math.round(params / 1e6)}M`;
  return `${Math.round(params / 1e3)}K`;
}

/** What a base model is and what training it here should cost, in one line. */
export function modelFacts(model: BaseModel): string {
  const facts = [
    `${model.architecture}`,
    `${formatParams(model.params)} parameters`,
    `${formatBytes(model.bytes_on_disk)} on disk`,
    model.context_length === null ? null : `context ${model.context_length.toLocaleString()}`,
    `about ${formatBytes(model.estimate_memory_bytes)} memory on ${model.device} (${model.dtype})`,
    model.estimate_seconds === null ? null : `about ${formatSeconds(model.estimate_seconds)} on this dataset`,
  ];
  return facts.filter(Boolean).join(" · ");
}

/** The base model select, with size, parameters and the estimate of the chosen one under it. */
export function BaseModelPicker({ form, estimate, update }: { form: FormState; estimate: BaseModelEstimate; update: Update }) {
  const models = useBaseModels(estimate);
  if (models.isPending) return <Skeleton className="h-16 w-full" />;
  if (models.isError && !models.data) {
    return <ErrorState title="Could not list the base models" error={models.error} onRetry={() => void models.refetch()} />;
  }
  const chosen = models.data.models.find((m) => m.id === form.baseModel);
  return (
    <Field
      label="Base model"
      htmlFor="ft-base-model"
      hint={chosen ? <span data-testid="base-model-facts">{modelFacts(chosen)}</span> : "Models on this machine only; nothing is downloaded."}
    >
      <Select value={form.baseModel} onChange={(e) => update({ baseModel: e.target.value })}>
        {!chosen && <option value={form.baseModel}>{form.baseModel} (not available here)</option>}
        {models.data.models.map((m) => (
          <option key={m.id} value={m.id}>
            {m.label} · {formatParams(m.params)} · {formatBytes(m.bytes_on_disk)}
          </option>
        ))}
      </Select>
    </Field>
  );
}

/** QLoRA, gradient checkpointing and bf16: offered only where training has a CUDA GPU. */
export function GpuOptions({ form, estimate, update }: { form: FormState; estimate: BaseModelEstimate; update: Update }) {
  const gpu = useBaseModels(estimate).data;
  const why = "Needs a CUDA GPU; this machine has none.";
  return (
    <fieldset className="space-y-2">
      <legend className="text-sm font-medium text-fg">GPU options</legend>
      <CheckboxField id="ft-qlora" label="QLoRA: train on a 4-bit base (less memory)" hint={gpu?.qlora ? undefined : "Needs a CUDA GPU and bitsandbytes; this machine has none."} disabled={!gpu?.qlora} checked={form.quantize} onCheckedChange={(v) => update({ quantize: v })} />
      <CheckboxField id="ft-checkpointing" label="Gradient checkpointing (less memory, slower)" hint={gpu?.cuda ? undefined : why} disabled={!gpu?.cuda} checked={form.gradientCheckpointing} onCheckedChange={(v) => update({ gradientCheckpointing: v })} />
      <CheckboxField id="ft-bf16" label="bf16 weights on the GPU" hint={gpu?.bf16 ? undefined : "Needs a CUDA GPU with bfloat16; this machine has none."} disabled={!gpu?.bf16} checked={form.bf16} onCheckedChange={(v) => update({ bf16: v })} />
    </fieldset>
  );
}

/** The merged model and its GGUF exports (an Ollama Modelfile is written with them). */
export function ExportOptions({ form, update }: { form: FormState; update: Update }) {
  const toggle = (type: GgufType, on: boolean) =>
    update({ gguf: on ? GGUF_TYPES.map((g) => g.type).filter((t) => t === type || form.gguf.includes(t)) : form.gguf.filter((t) => t !== type) });
  return (
    <fieldset className="space-y-2">
      <legend className="text-sm font-medium text-fg">Outputs</legend>
      <CheckboxField id="ft-merge" label="Also save a merged model (adapter folded into the weights)" checked={form.merge || form.gguf.length > 0} disabled={form.gguf.length > 0} onCheckedChange={(v) => update({ merge: v })} />
      <div className="flex flex-wrap gap-x-4 gap-y-2" role="group" aria-label="GGUF exports">
        {GGUF_TYPES.map((g) => (
          <CheckboxField key={g.type} id={`ft-gguf-${g.type}`} label={`GGUF ${g.label}`} checked={form.gguf.includes(g.type)} onCheckedChange={(v) => toggle(g.type, v)} />
        ))}
      </div>
      <p className="text-xs text-muted">A GGUF export merges the adapter first and comes with an Ollama Modelfile.</p>
    </fieldset>
  );
}
