"use client";

import { Field } from "@/components/ui/Field";
import { Select } from "@/components/ui/Select";
import { useDomains } from "@/hooks/queries/catalog";

type DomainSelectProps = {
  id: string;
  label: string;
  value: string;
  onChange: (domain: string) => void;
  /** The option that means "no domain": "All domains" for a filter, "None" for a new dataset. */
  emptyLabel: string;
};

/** The built-in and user-defined domains; a value that is not (or not yet) among them stays selectable. */
export function DomainSelect({ id, label, value, onChange, emptyLabel }: DomainSelectProps) {
  const domains = useDomains();
  const options = (domains.data ?? []).map((d) => ({ id: d.id, name: d.name }));
  if (value && !options.some((o) => o.id === value)) options.unshift({ id: value, name: value });
  return (
    <Field label={label} htmlFor={id}>
      <Select value={value} onChange={(event) => onChange(event.target.value)} aria-busy={domains.isPending || undefined}>
        <option value="">{domains.isError ? `${emptyLabel} (the list of domains did not load)` : emptyLabel}</option>
        {options.map((domain) => (
          <option key={domain.id} value={domain.id}>
            {domain.name}
          </option>
        ))}
      </Select>
    </Field>
  );
}
