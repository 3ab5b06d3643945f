"use client";

import { useState, type DragEvent } from "react";

import { buttonVariants } from "@/components/ui/Button";
import { UploadIcon } from "@/components/ui/icons";
import { cn } from "@/lib/cn";
import { formatBytes } from "@/lib/format";

export const ACCEPTED = ".jsonl,.ndjson,.json,.csv,.parquet,.pq,application/json,application/x-ndjson,text/csv,application/vnd.apache.parquet";

type DropZoneProps = {
  file: File | null;
  onFile: (file: File | null) => void;
  disabled?: boolean;
  /** The file input's id (unique on the page). */
  id?: string;
  /** What the file may hold. */
  hint?: string;
  /** The file types the picker offers. */
  accept?: string;
};

/** Drop a file here, or choose one with the picker (the picker is the keyboard's way in). */
export function DropZone({
  file,
  onFile,
  disabled = false,
  id = "upload-file",
  hint = "Chat messages, instruction / output, ShareGPT or prompt / completion rows.",
  accept = ACCEPTED,
}: DropZoneProps) {
  const [over, setOver] = useState(false);
  const onDrag = (event: DragEvent, entering: boolean) => {
    event.preventDefault();
    if (!disabled) setOver(entering);
  };
  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    setOver(false);
    const dropped = event.dataTransfer.files[0];
    if (dropped && !disabled) onFile(dropped);
  };
  return (
    <div
      data-testid="drop-zone"
      onDragEnter={(e) => onDrag(e, true)}
      onDragOver={(e) => onDrag(e, true)}
      onDragLeave={(e) => onDrag(e, false)}
      onDrop={onDrop}
      className={`flex flex-col items-center gap-2 rounded-lg border-2 border-dashed px-4 py-6 text-center transition-colors ${
        over ? "border-accent bg-accent-soft" : "border-border"
      }`}
    >
      <UploadIcon width={24} height={24} className="text-muted" />
      {file ? (
        <p className="break-all text-sm text-fg">
          <span className="font-medium">{file.name}</span>{" "}
          <span className="text-muted">· {formatBytes(file.size)}</span>
        </p>
      ) : (
        <p className="text-sm text-muted">Drop a JSONL, JSON, CSV or Parquet file here, or</p>
      )}
      <input
        id={id}
        type="file"
        accept={accept}
        disabled={disabled}
        onChange={(event) => onFile(event.target.files?.[0] ?? null)}
        className="peer sr-only"
      />
      <label
        htmlFor={id}
        className={cn(
          buttonVariants({ variant: "secondary" }),
          "cursor-pointer py-1.5 peer-focus-visible:outline-2 peer-focus-visible:outline-offset-2 peer-focus-visible:outline-accent",
        )}
      >
        {file ? "Choose another file" : "Choose a file"}
      </label>
      <p className="text-xs text-muted">{hint}</p>
    </div>
  );
}
