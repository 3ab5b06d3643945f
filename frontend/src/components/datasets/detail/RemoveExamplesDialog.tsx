"use client";

import { Button } from "@/components/ui/Button";
import { Dialog } from "@/components/ui/Dialog";
import { FormError } from "@/components/ui/Field";
import { useRemoveExamples } from "@/hooks/queries/examples";
import { errorMessage } from "@/lib/api/client";

type RemoveExamplesDialogProps = { datasetId: string; ids: string[]; onClose: () => void; onRemoved: () => void };

/** Confirms a bulk removal: one new version without these examples (older versions keep them). */
export function RemoveExamplesDialog({ datasetId, ids, onClose, onRemoved }: RemoveExamplesDialogProps) {
  const remove = useRemoveExamples(datasetId);
  const count = ids.length;
  const confirm = () =>
    remove.mutate(ids, {
      onSuccess: () => {
        onRemoved();
        onClose();
      },
    });
  return (
    <Dialog
      title={`Remove ${count} example${count === 1 ? "" : "s"}?`}
      onClose={onClose}
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button variant="danger" onClick={confirm} disabled={remove.isPending}>
            {remove.isPending ? "Removing…" : `Remove ${count}`}
          </Button>
        </>
      }
    >
      <p className="text-sm text-fg">
        The dataset gets a new version without {count === 1 ? "this example" : "these examples"}. Older versions keep
        them, so an export of an earlier version still has them.
      </p>
      {remove.isError && (
        <div className="mt-3">
          <FormError>{errorMessage(remove.error)}</FormError>
        </div>
      )}
    </Dialog>
  );
}
