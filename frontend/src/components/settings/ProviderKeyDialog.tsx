"use client";

import { useState } from "react";

import { Button } from "@/components/ui/Button";
import { Dialog } from "@/components/ui/Dialog";
import { Field, FormError } from "@/components/ui/Field";
import { TextInput } from "@/components/ui/Input";
import { useSaveProvider, type Provider } from "@/hooks/queries/providers";
import { errorMessage } from "@/lib/api/client";
import { LIMITS } from "@/lib/limits";

type ProviderKeyDialogProps = { provider: Provider; onClose: () => void };

/** Sets a provider's key (write-only: it is never shown again, only its last 4 characters) and base URL. */
export function ProviderKeyDialog({ provider, onClose }: ProviderKeyDialogProps) {
  const save = useSaveProvider();
  const [key, setKey] = useState("");
  const [baseUrl, setBaseUrl] = useState(provider.base_url ?? "");
  const formId = `provider-key-${provider.name}`;
  return (
    <Dialog
      title={`Key for ${provider.name}`}
      description="The key is stored encrypted and never shown again; only its last 4 characters are."
      onClose={onClose}
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" form={formId} variant="primary" disabled={save.isPending || (!key.trim() && baseUrl === (provider.base_url ?? ""))}>
            {save.isPending ? "Saving…" : "Save"}
          </Button>
        </>
      }
    >
      <form
        id={formId}
        className="space-y-4"
        onSubmit={(event) => {
          event.preventDefault();
          const body = { api_key: key.trim() || undefined, base_url: baseUrl.trim() || undefined };
          save.mutate({ name: provider.name, body }, { onSuccess: onClose });
        }}
      >
        <Field label="API key" htmlFor="provider-api-key" hint={provider.key_last4 ? `Now ends in …${provider.key_last4}; leave empty to keep it.` : undefined}>
          <TextInput type="password" autoComplete="off" limit={LIMITS.ProviderWrite.api_key} value={key} onChange={(e) => setKey(e.target.value)} />
        </Field>
        <Field label="Base URL (optional)" htmlFor="provider-base-url" hint="For OpenAI-compatible servers, e.g. http://host:11434/v1">
          <TextInput type="url" limit={LIMITS.ProviderWrite.base_url} value={baseUrl} onChange={(e) => setBaseUrl(e.target.value)} />
        </Field>
        {save.isError && <FormError>{errorMessage(save.error)}</FormError>}
      </form>
    </Dialog>
  );
}
