"use client";

import { useState } from "react";

import { Button } from "@/components/ui/Button";
import { Dialog } from "@/components/ui/Dialog";
import { Field, FormError } from "@/components/ui/Field";
import { TextInput } from "@/components/ui/Input";
import { NumberInput } from "@/components/ui/NumberInput";
import { useSaveProviderLimits, type Provider, type ProviderLimitsWrite } from "@/hooks/queries/providers";
import { errorMessage } from "@/lib/api/client";
import { LIMITS, accepts, rangeText, type NumberLimit } from "@/lib/limits";

type LimitField = "rpm" | "tpm" | "max_concurrency";
type Row = { key: number; model: string } & Record<LimitField, string>;

const FIELDS: { name: LimitField; label: string; limit: NumberLimit }[] = [
  { name: "rpm", label: "Requests per minute", limit: LIMITS.LimitValues.rpm },
  { name: "tpm", label: "Tokens per minute", limit: LIMITS.LimitValues.tpm },
  { name: "max_concurrency", label: "Max concurrency", limit: LIMITS.LimitValues.max_concurrency },
];
const MODEL = LIMITS.ModelLimits.model;

const text = (value: number | null | undefined) => (value == null ? "" : String(value));
const number = (raw: string) => (raw.trim() === "" ? null : Number(raw));
const invalid = (raw: string, limit: NumberLimit) => raw.trim() !== "" && !accepts(raw, limit, { integer: true });

function fieldError(raw: string, limit: NumberLimit): string | null {
  return invalid(raw, limit) ? `A whole number ${rangeText(limit)}, or empty.` : null;
}

function modelError(row: Row, rows: Row[]): string | null {
  const model = row.model.trim();
  if (!model) return "Name the model.";
  if (MODEL.pattern && !new RegExp(MODEL.pattern).test(model)) return "A model name without spaces (not *).";
  return rows.some((other) => other.key !== row.key && other.model.trim() === model) ? "This model is listed twice." : null;
}

function LimitInputs({ id, row, onChange }: { id: string; row: Record<LimitField, string>; onChange: (name: LimitField, value: string) => void }) {
  return (
    <>
      {FIELDS.map((f) => (
        <Field key={f.name} label={f.label} htmlFor={`${id}-${f.name}`} error={fieldError(row[f.name], f.limit)} className="w-40">
          <NumberInput integer limit={f.limit} value={row[f.name]} onChange={(e) => onChange(f.name, e.target.value)} />
        </Field>
      ))}
    </>
  );
}

/**
 * Sets a provider's rate limits: its default (every model) and per-model rows. Empty fields are not
 * set: the `.env` default or the limits learned from the provider's headers apply.
 */
export function ProviderLimitsDialog({ provider, onClose }: { provider: Provider; onClose: () => void }) {
  const save = useSaveProviderLimits();
  const set = provider.limits;
  const [defaults, setDefaults] = useState<Record<LimitField, string>>({
    rpm: text(set?.default.rpm),
    tpm: text(set?.default.tpm),
    max_concurrency: text(set?.default.max_concurrency),
  });
  const [rows, setRows] = useState<Row[]>(
    (set?.models ?? []).map((m, key) => ({ key, model: m.model, rpm: text(m.rpm), tpm: text(m.tpm), max_concurrency: text(m.max_concurrency) })),
  );
  const [nextKey, setNextKey] = useState(rows.length);
  const formId = `provider-limits-${provider.name}`;
  const bad =
    FIELDS.some((f) => invalid(defaults[f.name], f.limit)) ||
    rows.some((row) => modelError(row, rows) !== null || FIELDS.some((f) => invalid(row[f.name], f.limit)));
  const update = (key: number, name: keyof Row, value: string) =>
    setRows((current) => current.map((row) => (row.key === key ? { ...row, [name]: value } : row)));
  return (
    <Dialog
      title={`Limits of ${provider.name}`}
      description="Empty fields are not set here: the .env default, then the limits learned from the provider's headers apply. Max concurrency is per worker process."
      onClose={onClose}
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" form={formId} variant="primary" disabled={bad || save.isPending}>
            {save.isPending ? "Saving…" : "Save limits"}
          </Button>
        </>
      }
    >
      <form
        id={formId}
        className="space-y-4"
        onSubmit={(event) => {
          event.preventDefault();
          if (bad) return;
          const body: ProviderLimitsWrite = {
            default: { rpm: number(defaults.rpm), tpm: number(defaults.tpm), max_concurrency: number(defaults.max_concurrency) },
            models: rows.map((row) => ({
              model: row.model.trim(),
              rpm: number(row.rpm),
              tpm: number(row.tpm),
              max_concurrency: number(row.max_concurrency),
            })),
          };
          save.mutate({ name: provider.name, body }, { onSuccess: onClose });
        }}
      >
        <fieldset className="space-y-2">
          <legend className="text-sm font-medium text-fg">Every model of {provider.name}</legend>
          <div className="flex flex-wrap gap-2">
            <LimitInputs id="limits-default" row={defaults} onChange={(name, value) => setDefaults((d) => ({ ...d, [name]: value }))} />
          </div>
        </fieldset>
        {rows.map((row, index) => (
          <fieldset key={row.key} className="space-y-2 border-t border-border pt-3" aria-label={`Model override ${index + 1}`}>
            <div className="flex flex-wrap items-end gap-2">
              <Field label="Model" htmlFor={`limits-model-${row.key}`} error={row.model.trim() ? modelError(row, rows) : null} className="w-56">
                <TextInput limit={MODEL} placeholder="gpt-4o-mini" value={row.model} onChange={(e) => update(row.key, "model", e.target.value)} />
              </Field>
              <Button variant="ghost" size="sm" onClick={() => setRows((current) => current.filter((r) => r.key !== row.key))} aria-label={`Remove the limits of model ${row.model || index + 1}`}>
                Remove
              </Button>
            </div>
            <div className="flex flex-wrap gap-2">
              <LimitInputs id={`limits-model-${row.key}`} row={row} onChange={(name, value) => update(row.key, name, value)} />
            </div>
          </fieldset>
        ))}
        <Button
          size="sm"
          onClick={() => {
            setRows((current) => [...current, { key: nextKey, model: "", rpm: "", tpm: "", max_concurrency: "" }]);
            setNextKey(nextKey + 1);
          }}
        >
          Add a model
        </Button>
        {save.isError && <FormError>{errorMessage(save.error)}</FormError>}
      </form>
    </Dialog>
  );
}
