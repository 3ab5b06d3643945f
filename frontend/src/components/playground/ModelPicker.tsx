"use client";

import { useState } from "react";

import { Button } from "@/components/ui/Button";
import { Field } from "@/components/ui/Field";
import { TextInput } from "@/components/ui/Input";
import type { PlaygroundModel } from "@/hooks/queries/playground";
import { LIMITS } from "@/lib/limits";

const MODEL = LIMITS.PlaygroundColumn.model;
const MODEL_PATTERN = new RegExp(MODEL.pattern);
export const MAX_COLUMNS = LIMITS.PlaygroundChat.columns.maxItems;

function groupLabel(model: PlaygroundModel): string {
  return model.group === "bundled" ? "bundled" : model.group === "tuned" ? "tuned run" : "provider";
}

type ModelPickerProps = { offered: PlaygroundModel[]; chosen: string[]; onAdd: (model: string) => void; disabled: boolean };

/** A model id picked from the offered ones or typed in, checked before it becomes a column. */
export function ModelPicker({ offered, chosen, onAdd, disabled }: ModelPickerProps) {
  const [typed, setTyped] = useState("");
  const [error, setError] = useState<string | null>(null);
  const add = () => {
    const model = typed.trim();
    if (!MODEL_PATTERN.test(model)) return setError("Model ids look like provider:model, e.g. openai:gpt-4o-mini");
    if (chosen.includes(model)) return setError("That model already has a column");
    if (chosen.length >= MAX_COLUMNS) return setError(`At most ${MAX_COLUMNS} models side by side`);
    setError(null);
    setTyped("");
    onAdd(model);
  };
  return (
    <div className="flex flex-col gap-2 sm:flex-row sm:items-start">
      <Field
        label="Add a model"
        htmlFor="pg-add-model"
        hint="Pick one or type any provider:model id (its provider needs a key in Settings)."
        error={error}
        className="flex-1"
      >
        <TextInput
          list="pg-model-choices"
          limit={MODEL}
          value={typed}
          placeholder="openai:gpt-4o-mini"
          onChange={(e) => {
            setTyped(e.target.value);
            setError(null);
          }}
          onKeyDown={(e) => {
            if (e.key === "Enter") {
              e.preventDefault();
              add();
            }
          }}
        />
      </Field>
      <datalist id="pg-model-choices">
        {offered.map((model) => (
          <option key={model.id} value={model.id}>
            {model.label === model.id ? groupLabel(model) : `${model.label} (${groupLabel(model)})`}
          </option>
        ))}
      </datalist>
      <Button className="sm:mt-6" onClick={add} disabled={disabled || typed.trim() === ""}>
        Add model
      </Button>
    </div>
  );
}
