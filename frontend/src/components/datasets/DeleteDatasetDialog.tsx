"use client";

import { Button } from "@/components/ui/Button";
import { Dialog } from "@/components/ui/Dialog";
import { FormError } from "@/components/ui/Field";
import { TrashIcon } from "@/components/ui/icons";
import { useDeleteDataset, type Dataset } from "@/hooks/queries/datasets";
import { errorMessage } from "@/lib/api/client";

type DeleteDatasetDialogProps = { dataset: Dataset; onClose: () => void; onDeleted?: () => void };

/** Asks before deleting: a dataset goes with every version and example, and cannot come back. */
export function DeleteDatasetDialog({ dataset, onClose, onDeleted }: DeleteDatasetDialogProps) {
  const remove = useDeleteDataset();
  const confirm = () =>
    remove.mutate(dataset.id, {
      onSuccess: () => {
        onClose();
        onDeleted?.();
      },
    });
  return (
    <Dialog
      title="Delete this dataset?"
      onClose={onClose}
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button variant="danger" onClick={confirm} disabled={remove.isPending}>
            <TrashIcon />
            {remove.isPending ? "Deleting…" : "Delete dataset"}
          </Button>
        </>
      }
    >
      <p className="text-sm text-fg">
        <span className="font-semibold">{dataset.name}</span> will be deleted with its{" "}
        <span className="tabular-nums">{dataset.example_count.toLocaleString()}</span> examples and all{" "}
        <span className="tabular-nums">{dataset.version}</span> version{dataset.version === 1 ? "" : "s"}. This cannot
        be undone; export it first if you may need it again.
      </p>
      {remove.isError && (
        <div className="mt-3">
          <FormError>{errorMessage(remove.error)}</FormError>
        </div>
      )}
    </Dialog>
  );
}
