"use client";

import { useState } from "react";

import { Button } from "@/components/ui/Button";
import { Dialog } from "@/components/ui/Dialog";
import { Field, FormError } from "@/components/ui/Field";
import { TextInput } from "@/components/ui/Input";
import { useSaveHubToken, type HubSettings } from "@/hooks/queries/hub";
import { errorMessage } from "@/lib/api/client";
import { LIMITS } from "@/lib/limits";

const FORM_ID = "hub-token-form";

/** Stores or replaces the Hub token (write-only: it is never shown again, only its last 4 characters). */
export function HubTokenDialog({ hub, onClose }: { hub: HubSettings; onClose: () => void }) {
  const save = useSaveHubToken();
  const [token, setToken] = useState("");
  return (
    <Dialog
      title={hub.configured ? "Replace the Hugging Face token" : "Store a Hugging Face token"}
      description="A write token from your Hugging Face account settings. It is stored encrypted and never shown again; only its last 4 characters are."
      onClose={onClose}
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" form={FORM_ID} variant="primary" disabled={save.isPending || !token.trim()}>
            {save.isPending ? "Saving…" : "Save token"}
          </Button>
        </>
      }
    >
      <form
        id={FORM_ID}
        className="space-y-4"
        onSubmit={(event) => {
          event.preventDefault();
          if (token.trim()) save.mutate(token.trim(), { onSuccess: onClose });
        }}
      >
        <Field
          label="Hub token"
          htmlFor="hub-token"
          hint={hub.key_last4 ? `The stored one ends in …${hub.key_last4}; saving replaces it.` : "It usually starts with hf_."}
        >
          <TextInput type="password" autoComplete="off" spellCheck={false} limit={LIMITS.HubTokenWrite.token} value={token} onChange={(e) => setToken(e.target.value)} />
        </Field>
        {save.isError && <FormError>{errorMessage(save.error)}</FormError>}
      </form>
    </Dialog>
  );
}
