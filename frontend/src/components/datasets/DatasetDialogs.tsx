"use client";

import type { Dataset } from "@/hooks/queries/datasets";

import { ConvertDialog } from "./ConvertDialog";
import { DeleteDatasetDialog } from "./DeleteDatasetDialog";
import { MergeDialog } from "./MergeDialog";
import { SampleDialog } from "./SampleDialog";
import { SplitDialog } from "./SplitDialog";
import { UploadDialog } from "./UploadDialog";

/** Which dataset dialog is open, and on what. */
export type OpenDialog =
  | { kind: "upload" }
  | { kind: "merge"; datasets: Dataset[] }
  | { kind: "sample" | "split" | "convert" | "delete"; dataset: Dataset };

type DatasetDialogsProps = {
  dialog: OpenDialog | null;
  onClose: () => void;
  onDeleted?: (id: string) => void;
  onMerged?: () => void;
};

/** The one open dialog of a datasets page. */
export function DatasetDialogs({ dialog, onClose, onDeleted, onMerged }: DatasetDialogsProps) {
  if (!dialog) return null;
  switch (dialog.kind) {
    case "upload":
      return <UploadDialog onClose={onClose} />;
    case "merge":
      return <MergeDialog datasets={dialog.datasets} onClose={onClose} onMerged={onMerged} />;
    case "sample":
      return <SampleDialog dataset={dialog.dataset} onClose={onClose} />;
    case "split":
      return <SplitDialog dataset={dialog.dataset} onClose={onClose} />;
    case "convert":
      return <ConvertDialog dataset={dialog.dataset} onClose={onClose} />;
    case "delete":
      return (
        <DeleteDatasetDialog
          dataset={dialog.dataset}
          onClose={onClose}
          onDeleted={() => onDeleted?.(dialog.dataset.id)}
        />
      );
  }
}
