"use client";

import { useState, type FormEvent } from "react";

import { Button } from "@/components/ui/Button";
import { CheckboxField } from "@/components/ui/Checkbox";
import { Dialog } from "@/components/ui/Dialog";
import { Field, FormError } from "@/components/ui/Field";
import { TextInput } from "@/components/ui/Input";
import { Select } from "@/components/ui/Select";
import { useConvertDataset, type Dataset } from "@/hooks/queries/datasets";
import { errorMessage, type Schemas } from "@/lib/api/client";
import { LIMITS } from "@/lib/limits";

import { CreatedDatasets } from "./CreatedDatasets";

type ConvertFormat = Schemas["ConvertRequest"]["format"];

const FORMATS: { value: ConvertFormat; label: string; hint: string }[] = [
  { value: "instruction", label: "Instruction (Alpaca)", hint: "Earlier turns go to history; plain Alpaca readers ignore it." },
  { value: "sharegpt", label: "ShareGPT", hint: "Conversations as human/gpt turns." },
  { value: "prompt_completion", label: "Prompt–completion", hint: "One prompt and one completion: earlier turns fold into the prompt." },
  { value: "flat", label: "Flat (system, user, assistant)", hint: "One turn per row: earlier turns fold into the user message." },
];

/** What the conversion changed, by kind, and the rows it left out. */
function ConvertReport({ result }: { result: Schemas["ConvertResult"] }) {
  return (
    <div className="space-y-3">
      <CreatedDatasets title="Converted dataset created" datasets={[result.dataset]} />
      <p className="text-sm text-fg" data-testid="convert-summary">
        {result.converted.toLocaleString()} rows converted, {result.lossy.toLocaleString()} changed,{" "}
        {result.skipped.toLocaleString()} left out.
      </p>
      {result.losses.length > 0 && (
        <ul className="space-y-1 text-sm" aria-label="What the conversion changed">
          {result.losses.map((loss) => (
            <li key={loss.kind}>
              <span className="font-medium text-fg">{loss.rows.toLocaleString()} rows</span>{" "}
              <span className="text-muted">— {loss.detail}</span>
            </li>
          ))}
        </ul>
      )}
      {result.skipped_rows.length > 0 && (
        <ul className="space-y-1 text-sm" aria-label="Rows left out">
          {result.skipped_rows.map((row) => (
            <li key={row.item_key}>
              <code className="text-fg">{row.item_key}</code> <span className="text-muted">— {row.reason}</span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** Reshapes a dataset into another record view, as a new dataset; nothing it changes goes unsaid. */
export function ConvertDialog({ dataset, onClose }: { dataset: Dataset; onClose: () => void }) {
  const convert = useConvertDataset(dataset.id);
  const [format, setFormat] = useState<ConvertFormat>("instruction");
  const [name, setName] = useState("");
  const [skip, setSkip] = useState(false);
  const chosen = FORMATS.find((f) => f.value === format);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    convert.mutate({ format, name: name.trim() || null, on_error: skip ? "skip" : "fail" });
  };

  return (
    <Dialog
      title={`Convert “${dataset.name}”`}
      description="Makes a new dataset whose rows are what the chosen view can hold, and says what changed."
      onClose={onClose}
      footer={
        convert.isSuccess ? (
          <Button onClick={onClose}>Done</Button>
        ) : (
          <>
            <Button onClick={onClose}>Cancel</Button>
            <Button variant="primary" type="submit" form="convert-form" disabled={convert.isPending}>
              {convert.isPending ? "Converting…" : "Convert"}
            </Button>
          </>
        )
      }
    >
      {convert.isSuccess ? (
        <ConvertReport result={convert.data} />
      ) : (
        <form id="convert-form" onSubmit={submit} noValidate className="space-y-4">
          <Field label="Record view" htmlFor="convert-format" hint={chosen?.hint}>
            <Select value={format} onChange={(e) => setFormat(e.target.value as ConvertFormat)}>
              {FORMATS.map((f) => (
                <option key={f.value} value={f.value}>
                  {f.label}
                </option>
              ))}
            </Select>
          </Field>
          <Field label="Name (optional)" htmlFor="convert-name">
            <TextInput
              limit={LIMITS.ConvertRequest.name}
              value={name}
              placeholder={`${dataset.name} (${format})`}
              onChange={(e) => setName(e.target.value)}
            />
          </Field>
          <CheckboxField
            id="convert-skip"
            label="Leave out rows the view cannot hold (otherwise the conversion stops at the first one)"
            checked={skip}
            onCheckedChange={setSkip}
          />
          {convert.isError && <FormError>{errorMessage(convert.error)}</FormError>}
        </form>
      )}
    </Dialog>
  );
}
