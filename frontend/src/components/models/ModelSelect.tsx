"use client";

import { Field } from "@/components/ui/Field";
import { Select } from "@/components/ui/Select";
import { useTunedModels } from "@/hooks/queries/finetune";
import { LOCAL_MODEL, useProviderModels, type Provider } from "@/hooks/queries/providers";

/** One provider's models as an option group; rendered inside the <select>, it asks for its own list. */
function ProviderGroup({ provider }: { provider: Provider }) {
  const models = useProviderModels(provider.name);
  const ids = (models.data?.models ?? []).map((m) => m.id).filter((id) => id !== LOCAL_MODEL);
  if (ids.length === 0) return null;
  return (
    <optgroup label={provider.name}>
      {ids.map((id) => (
        <option key={id} value={id}>
          {id}
        </option>
      ))}
    </optgroup>
  );
}

/** The completed fine-tune runs, as `tuned:<run id>` options. */
function TunedGroup() {
  const tuned = useTunedModels();
  if (!tuned.data || tuned.data.length === 0) return null;
  return (
    <optgroup label="Tuned students">
      {tuned.data.map((model) => (
        <option key={model.id} value={model.id}>
          Tuned: {model.name}
        </option>
      ))}
    </optgroup>
  );
}

type ModelSelectProps = {
  id: string;
  label: string;
  hint: string;
  /** Configured providers whose models are offered beside the bundled one. */
  providers: Provider[];
  value: string;
  onChange: (value: string) => void;
  /** The text of an empty first option ("Same as the teacher"); no such option when unset. */
  allowDefault?: string;
  /** Models offered on top (e.g. a suggestion taken from the price catalogue), under "Suggested". */
  suggested?: string[];
  /** Also offer the completed fine-tune runs (`tuned:<run id>`). */
  offerTuned?: boolean;
};

/** A model picker: the bundled local model, then every configured provider's models. */
export function ModelSelect({ id, label, hint, providers, value, onChange, allowDefault, suggested = [], offerTuned = false }: ModelSelectProps) {
  return (
    <Field label={label} htmlFor={id} hint={hint}>
      <Select value={value} onChange={(e) => onChange(e.target.value)}>
        {allowDefault !== undefined && <option value="">{allowDefault}</option>}
        <optgroup label="Bundled">
          <option value={LOCAL_MODEL}>{LOCAL_MODEL} (demo: runs here, free)</option>
        </optgroup>
        {suggested.length > 0 && (
          <optgroup label="Suggested">
            {suggested.map((model) => (
              <option key={model} value={model}>
                {model}
              </option>
            ))}
          </optgroup>
        )}
        {offerTuned && <TunedGroup />}
        {providers.map((p) => (
          <ProviderGroup key={p.name} provider={p} />
        ))}
      </Select>
    </Field>
  );
}

/** Providers that can answer: configured, and not the bundled model (which ModelSelect always offers). */
export function usableProviders(providers: Provider[]): Provider[] {
  return providers.filter((p) => p.configured && p.source !== "bundled");
}
