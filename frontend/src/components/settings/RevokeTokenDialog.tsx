"use client";

import { Button } from "@/components/ui/Button";
import { Dialog } from "@/components/ui/Dialog";
import { FormError } from "@/components/ui/Field";
import { useRevokeToken, type ApiToken } from "@/hooks/queries/tokens";
import { errorMessage } from "@/lib/api/client";

/** Asks before revoking: every script that signs in with the token stops working at once, for good. */
export function RevokeTokenDialog({ token, onClose }: { token: ApiToken; onClose: () => void }) {
  const revoke = useRevokeToken();
  return (
    <Dialog
      title={`Revoke the token “${token.name}”?`}
      onClose={onClose}
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button variant="danger" disabled={revoke.isPending} onClick={() => revoke.mutate(token.id, { onSuccess: onClose })}>
            {revoke.isPending ? "Revoking…" : "Revoke token"}
          </Button>
        </>
      }
    >
      <p className="text-sm text-fg">
        Scripts and tools that sign in with <span className="font-semibold">{token.name}</span>{" "}
        <span className="font-mono text-xs text-muted">{token.prefix}…</span> will be refused from now on. A revoked
        token cannot be restored; you would create a new one and hand it out again.
      </p>
      {revoke.isError && (
        <div className="mt-3">
          <FormError>{errorMessage(revoke.error)}</FormError>
        </div>
      )}
    </Dialog>
  );
}
