"use client";

import { useState } from "react";

import { Button } from "@/components/ui/Button";
import { Dialog } from "@/components/ui/Dialog";
import { CheckboxField, Radio } from "@/components/ui/Checkbox";
import { Field, FormError } from "@/components/ui/Field";
import { DownloadIcon } from "@/components/ui/icons";
import { NumberInput } from "@/components/ui/NumberInput";
import { Select } from "@/components/ui/Select";
import { useExportDataset, type Dataset, type ExportFormat, type ExportRequest } from "@/hooks/queries/datasets";
import { errorMessage } from "@/lib/api/client";
import { fileNameFrom, saveBlob } from "@/lib/download";
import { formatBytes } from "@/lib/format";
import { SEED_LIMIT, seedError } from "@/lib/seed";

import { EXPORT_FORMATS } from "../constants";
import { SPLIT_NAMES, SplitRatioFields, useSplitRatios, type SplitName } from "../SplitRatios";
import { HubPushForm } from "./HubPushForm";

type Destination = "download" | "hub";

const DESTINATIONS: readonly { id: Destination; label: string }[] = [
  { id: "download", label: "Download a file" },
  { id: "hub", label: "Push to the Hub" },
];

function DestinationChoice({ value, onChange }: { value: Destination; onChange: (d: Destination) => void }) {
  return (
    <fieldset>
      <legend className="text-sm font-medium text-fg">Destination</legend>
      <div className="mt-1 flex flex-wrap gap-x-4 gap-y-1 text-sm">
        {DESTINATIONS.map((destination) => (
          <label key={destination.id} className="flex items-center gap-2">
            <Radio name="export-destination" checked={value === destination.id} onChange={() => onChange(destination.id)} />
            {destination.label}
          </label>
        ))}
      </div>
    </fieldset>
  );
}

type VersionFieldProps = { dataset: Dataset; value: number; onChange: (version: number) => void };

function VersionField({ dataset, value, onChange }: VersionFieldProps) {
  return (
    <Field label="Version" htmlFor="export-version">
      <Select value={value} onChange={(e) => onChange(Number(e.target.value))}>
        {Array.from({ length: dataset.version }, (_, i) => dataset.version - i).map((n) => (
          <option key={n} value={n}>
            v{n}
            {n === dataset.version ? " (current)" : ""}
          </option>
        ))}
      </Select>
    </Field>
  );
}

function FormatChoice({ value, onChange }: { value: ExportFormat; onChange: (f: ExportFormat) => void }) {
  return (
    <fieldset>
      <legend className="text-sm font-medium text-fg">Format</legend>
      <div className="mt-1 grid gap-2 sm:grid-cols-2">
        {EXPORT_FORMATS.map((format) => (
          <label
            key={format.id}
            className={`flex cursor-pointer gap-2 rounded-lg border px-3 py-2 text-sm has-[:focus-visible]:outline-2 has-[:focus-visible]:outline-accent ${
              value === format.id ? "border-accent bg-accent-soft" : "border-border hover:bg-surface-muted"
            }`}
          >
            <Radio
              name="export-format"
              value={format.id}
              checked={value === format.id}
              onChange={() => onChange(format.id)}
              className="mt-0.5"
            />
            <span>
              <span className="block font-medium text-fg">{format.label}</span>
              <span className="block text-xs text-muted">{format.hint}</span>
            </span>
          </label>
        ))}
      </div>
    </fieldset>
  );
}

type ExportDialogProps = { dataset: Dataset; version?: number; onClose: () => void };

/** Download the dataset (or one version, or one split of it) in any format the API writes, or push it to the Hub. */
export function ExportDialog({ dataset, version: initialVersion, onClose }: ExportDialogProps) {
  const download = useExportDataset(dataset.id);
  const [format, setFormat] = useState<ExportFormat>("jsonl");
  const [version, setVersion] = useState(initialVersion ?? dataset.version);
  const [destination, setDestination] = useState<Destination>("download");
  const [safe, setSafe] = useState(true);
  const [splitting, setSplitting] = useState(false);
  const [seed, setSeed] = useState("0");
  const shares = useSplitRatios();
  const [saved, setSaved] = useState<string | null>(null);
  const seedProblem = seedError(seed);

  const start = (split?: SplitName) => {
    const query: ExportRequest = { format, version, spreadsheet_safe: safe };
    if (split) Object.assign(query, { split, splits: shares.query, seed: Number(seed) });
    setSaved(null);
    download.mutate(query, {
      onSuccess: ({ blob, disposition }) => {
        const name = fileNameFrom(disposition, `${dataset.name}-v${version}`);
        saveBlob(blob, name);
        setSaved(`${name} (${formatBytes(blob.size)})`);
      },
    });
  };
  const blocked = download.isPending || (splitting && (shares.error !== null || seedProblem !== null));
  const versionField = <VersionField dataset={dataset} value={version} onChange={setVersion} />;

  return (
    <Dialog
      title={`Export “${dataset.name}”`}
      description={
        destination === "hub"
          ? "A worker writes the files and the dataset card and commits them to a Hub dataset repo."
          : "The file is written from the database as it streams; edits are always in it."
      }
      onClose={onClose}
      footer={
        <>
          <Button onClick={onClose}>Done</Button>
          {destination === "download" && !splitting && (
            <Button variant="primary" onClick={() => start()} disabled={blocked}>
              <DownloadIcon />
              {download.isPending ? "Preparing…" : "Download"}
            </Button>
          )}
        </>
      }
    >
      <div className="space-y-4">
        <DestinationChoice value={destination} onChange={setDestination} />
        {destination === "hub" ? (
          <HubPushForm dataset={dataset} version={version} versionField={versionField} />
        ) : (
          <>
            <FormatChoice value={format} onChange={setFormat} />
            <div className="grid gap-3 sm:grid-cols-2">
              {versionField}
              <fieldset>
                <legend className="text-sm font-medium text-fg">Files</legend>
                <div className="mt-1 flex flex-col gap-1 text-sm">
                  <label className="flex items-center gap-2">
                    <Radio name="export-splits" checked={!splitting} onChange={() => setSplitting(false)} />
                    The whole version, one file
                  </label>
                  <label className="flex items-center gap-2">
                    <Radio name="export-splits" checked={splitting} onChange={() => setSplitting(true)} />
                    Train / validation / test, a file each
                  </label>
                </div>
              </fieldset>
            </div>
            {format === "csv" && (
              <CheckboxField
                id="export-safe"
                label="Spreadsheet-safe"
                hint="Cells that start like a formula (=, +, -, @) get a leading apostrophe."
                checked={safe}
                onCheckedChange={setSafe}
              />
            )}
            {splitting && (
              <div className="space-y-3 rounded-lg border border-border p-3">
                <SplitRatioFields state={shares} idPrefix="export-split" />
                <Field
                  label="Seed"
                  htmlFor="export-seed"
                  error={seedProblem}
                  hint="The same seed and shares always put an example in the same split."
                  className="max-w-xs"
                >
                  <NumberInput integer limit={SEED_LIMIT} value={seed} onChange={(e) => setSeed(e.target.value)} />
                </Field>
                <div className="flex flex-wrap gap-2">
                  {SPLIT_NAMES.map((name) => (
                    <Button
                      key={name}
                      variant="primary"
                      onClick={() => start(name)}
                      disabled={blocked || shares.ratios[name] === 0}
                    >
                      <DownloadIcon />
                      Download {name}
                    </Button>
                  ))}
                </div>
              </div>
            )}
            <div aria-live="polite">
              {saved && (
                <p className="rounded-md border border-ok/30 bg-ok-soft px-3 py-2 text-sm text-fg">Downloaded {saved}.</p>
              )}
            </div>
            {download.isError && <FormError>{errorMessage(download.error)}</FormError>}
          </>
        )}
      </div>
    </Dialog>
  );
}
