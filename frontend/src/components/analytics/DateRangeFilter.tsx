"use client";

import { Field } from "@/components/ui/Field";
import { TextInput } from "@/components/ui/Input";
import type { DateRange } from "@/hooks/queries/analytics";

const PRESETS = [
  { label: "7 days", days: 7 },
  { label: "30 days", days: 30 },
  { label: "90 days", days: 90 },
] as const;

/** A UTC day `days - 1` before today, as YYYY-MM-DD: "7 days" is today and the six before. */
export function daysAgo(days: number, now = new Date()): string {
  return new Date(now.getTime() - (days - 1) * 86_400_000).toISOString().slice(0, 10);
}

type DateRangeFilterProps = { value: DateRange; onChange: (range: DateRange) => void };

/** From / to days (UTC, inclusive) with quick presets; an empty end is open. */
export function DateRangeFilter({ value, onChange }: DateRangeFilterProps) {
  const invalid = value.since !== null && value.until !== null && value.since > value.until;
  return (
    <fieldset className="flex flex-wrap items-end gap-3">
      <legend className="sr-only">Date range (UTC days)</legend>
      <Field label="From" htmlFor="range-since" labelClassName="text-xs text-muted">
        <TextInput
          type="date"
          className="w-auto"
          value={value.since ?? ""}
          max={value.until ?? undefined}
          onChange={(e) => onChange({ ...value, since: e.target.value || null })}
        />
      </Field>
      <Field label="To" htmlFor="range-until" labelClassName="text-xs text-muted">
        <TextInput
          type="date"
          className="w-auto"
          value={value.until ?? ""}
          min={value.since ?? undefined}
          aria-invalid={invalid || undefined}
          onChange={(e) => onChange({ ...value, until: e.target.value || null })}
        />
      </Field>
      <div role="group" aria-label="Quick ranges" className="flex flex-wrap gap-1">
        {PRESETS.map((preset) => (
          <button
            key={preset.days}
            type="button"
            aria-pressed={value.since === daysAgo(preset.days) && value.until === null}
            onClick={() => onChange({ since: daysAgo(preset.days), until: null })}
            className="rounded-md border border-border px-2.5 py-1.5 text-xs font-medium text-fg hover:bg-surface-muted aria-pressed:border-accent aria-pressed:bg-accent-soft"
          >
            {preset.label}
          </button>
        ))}
        <button
          type="button"
          aria-pressed={value.since === null && value.until === null}
          onClick={() => onChange({ since: null, until: null })}
          className="rounded-md border border-border px-2.5 py-1.5 text-xs font-medium text-fg hover:bg-surface-muted aria-pressed:border-accent aria-pressed:bg-accent-soft"
        >
          All time
        </button>
      </div>
    </fieldset>
  );
}
