"use client";

import { Button } from "@/components/ui/Button";
import { Dialog } from "@/components/ui/Dialog";
import { FormError } from "@/components/ui/Field";
import { useDeleteHubToken, type HubSettings } from "@/hooks/queries/hub";
import { errorMessage } from "@/lib/api/client";

/** Asks before forgetting the Hub token: every push fails from then on, until an admin stores one again. */
export function ForgetHubTokenDialog({ hub, onClose }: { hub: HubSettings; onClose: () => void }) {
  const forget = useDeleteHubToken();
  return (
    <Dialog
      title="Forget the Hugging Face token?"
      onClose={onClose}
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button variant="danger" disabled={forget.isPending} onClick={() => forget.mutate(undefined, { onSuccess: onClose })}>
            {forget.isPending ? "Forgetting…" : "Forget token"}
          </Button>
        </>
      }
    >
      <p className="text-sm text-fg">
        The token ending in <span className="font-mono">…{hub.key_last4}</span> is deleted from this installation. Nobody
        can push a dataset to the Hub until an admin stores a token again, and pushes still waiting for a worker fail.
        The token itself stays valid on the Hub: revoke it there if it leaked.
      </p>
      {forget.isError && (
        <div className="mt-3">
          <FormError>{errorMessage(forget.error)}</FormError>
        </div>
      )}
    </Dialog>
  );
}
