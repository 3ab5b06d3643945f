"use client";

import Link from "next/link";
import { useState, type FormEvent } from "react";

import { Button, buttonVariants } from "@/components/ui/Button";
import { Dialog } from "@/components/ui/Dialog";
import { CheckboxField } from "@/components/ui/Checkbox";
import { Field, FormError } from "@/components/ui/Field";
import { TextInput, Textarea } from "@/components/ui/Input";
import { Select } from "@/components/ui/Select";
import { useUploadDataset, type UploadResult } from "@/hooks/queries/datasets";
import { errorMessage } from "@/lib/api/client";
import { LIMITS } from "@/lib/limits";

import { DATA_TYPES } from "./constants";
import { DomainSelect } from "./DomainSelect";
import { DropZone } from "./DropZone";
import { datasetHref } from "./links";
import { RowErrorList, rowErrors } from "./RowErrors";

const LIMIT = LIMITS.Body_upload_dataset_api_v1_datasets_upload_post;

function baseName(file: File): string {
  return file.name.replace(/\.(jsonl|ndjson|json|csv)$/i, "").slice(0, LIMIT.name.maxLength);
}

function UploadError({ error }: { error: unknown }) {
  const rows = rowErrors(error);
  if (!rows) return <FormError>{errorMessage(error)}</FormError>;
  return (
    <FormError>
      <p className="font-semibold text-danger">
        {rows.length === 100 ? "At least 100 lines" : `${rows.length} line${rows.length === 1 ? "" : "s"}`} could not be
        read, so nothing was stored.
      </p>
      <p className="mt-1 text-muted">Fix them and upload again, or tick “Skip bad lines” to store the good rows.</p>
      <RowErrorList rows={rows} label="Lines that could not be read" />
    </FormError>
  );
}

function Uploaded({ result }: { result: UploadResult }) {
  return (
    <div className="space-y-3 text-sm">
      <p role="status" className="rounded-lg border border-ok/30 bg-ok-soft px-4 py-3 text-fg">
        Stored <span className="font-semibold tabular-nums">{result.stored.toLocaleString()}</span> examples from a{" "}
        {result.file_format.toUpperCase()} file in <span className="font-semibold">{result.dataset.name}</span>.
      </p>
      {result.skipped > 0 && (
        <div className="rounded-lg border border-warn/40 bg-warn-soft px-4 py-3">
          <p className="font-medium text-fg">
            Skipped <span className="tabular-nums">{result.skipped.toLocaleString()}</span> bad line
            {result.skipped === 1 ? "" : "s"}:
          </p>
          <RowErrorList rows={result.skipped_rows} label="Skipped lines" />
        </div>
      )}
    </div>
  );
}

/** Upload a file as a new dataset: drag and drop or the picker; bad lines are listed by number. */
export function UploadDialog({ onClose }: { onClose: () => void }) {
  const upload = useUploadDataset();
  const [file, setFile] = useState<File | null>(null);
  const [name, setName] = useState("");
  const [dataType, setDataType] = useState<string>("qa");
  const [domain, setDomain] = useState("");
  const [description, setDescription] = useState("");
  const [skipBadLines, setSkipBadLines] = useState(false);
  const [tried, setTried] = useState(false);
  const fileError = tried && !file ? "Choose a file to upload." : null;
  const nameError = tried && !name.trim() ? "Give the dataset a name." : null;

  const chooseFile = (next: File | null) => {
    if (next && (!name.trim() || (file && name === baseName(file)))) setName(baseName(next));
    setFile(next);
    upload.reset();
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setTried(true);
    if (!file || !name.trim()) return;
    const input = { file, name: name.trim(), dataType, description, domain: domain.trim(), skipBadLines };
    upload.mutate(input);
  };

  const result = upload.data;
  return (
    <Dialog
      title="Upload a dataset"
      description="JSONL, a JSON array or CSV; each row becomes a chat example of a new dataset."
      onClose={onClose}
      footer={
        result ? (
          <>
            <Button onClick={onClose}>Done</Button>
            <Link
              href={datasetHref(result.dataset.id)}
              className={buttonVariants({ variant: "primary" })}
            >
              Open dataset
            </Link>
          </>
        ) : (
          <>
            <Button onClick={onClose}>Cancel</Button>
            <Button variant="primary" type="submit" form="upload-form" disabled={upload.isPending}>
              {upload.isPending ? "Uploading…" : "Upload"}
            </Button>
          </>
        )
      }
    >
      {result ? (
        <Uploaded result={result} />
      ) : (
        <form id="upload-form" onSubmit={submit} noValidate className="space-y-4">
          <div>
            <DropZone file={file} onFile={chooseFile} disabled={upload.isPending} />
            {fileError && <p className="mt-1 text-xs text-danger">{fileError}</p>}
          </div>
          <div className="grid gap-3 sm:grid-cols-2">
            <Field label="Name" htmlFor="upload-name" error={nameError}>
              <TextInput limit={LIMIT.name} value={name} onChange={(e) => setName(e.target.value)} />
            </Field>
            <Field label="Data type" htmlFor="upload-type">
              <Select value={dataType} onChange={(e) => setDataType(e.target.value)}>
                {DATA_TYPES.map((type) => (
                  <option key={type.id} value={type.id}>
                    {type.label}
                  </option>
                ))}
              </Select>
            </Field>
          </div>
          <DomainSelect
            id="upload-domain"
            label="Domain (optional)"
            emptyLabel="None"
            value={domain}
            onChange={setDomain}
          />
          <Field label="Description (optional)" htmlFor="upload-description">
            <Textarea limit={LIMIT.description} rows={2} value={description} onChange={(e) => setDescription(e.target.value)} />
          </Field>
          <CheckboxField
            id="upload-skip-bad-lines"
            label="Skip bad lines"
            hint="Store the good rows and list the lines that were left out."
            checked={skipBadLines}
            onCheckedChange={setSkipBadLines}
          />
          {upload.isError && <UploadError error={upload.error} />}
        </form>
      )}
    </Dialog>
  );
}
