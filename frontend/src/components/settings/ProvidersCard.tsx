"use client";

import { useState } from "react";

import { Button } from "@/components/ui/Button";
import { Card } from "@/components/ui/Card";
import { Skeleton } from "@/components/ui/Skeleton";
import { StatusBadge } from "@/components/ui/StatusBadge";
import { EmptyState, ErrorState } from "@/components/ui/StateViews";
import { useDeleteProvider, useProviders, useTestProvider, type Provider } from "@/hooks/queries/providers";
import { errorMessage } from "@/lib/api/client";

import { ProviderKeyDialog } from "./ProviderKeyDialog";

const SOURCES: Record<Provider["source"], string> = {
  stored: "key stored here",
  environment: "key from the environment",
  bundled: "bundled, needs no key",
  none: "no key",
};

function TestResult({ name }: { name: string }) {
  const test = useTestProvider();
  return (
    <span className="inline-flex flex-wrap items-center gap-2">
      <Button onClick={() => test.mutate(name)} disabled={test.isPending}>
        {test.isPending ? "Testing…" : "Test"}
      </Button>
      <span role="status" className="text-xs">
        {test.isError && <span className="text-danger">{errorMessage(test.error)}</span>}
        {test.data && (
          <span className={test.data.ok ? "text-ok" : "text-danger"}>
            {test.data.ok ? "Works" : "Failed"}: {test.data.message}
          </span>
        )}
      </span>
    </span>
  );
}

function ProviderRow({ provider, isAdmin, onEdit }: { provider: Provider; isAdmin: boolean; onEdit: () => void }) {
  const remove = useDeleteProvider();
  const editable = isAdmin && provider.source !== "bundled";
  return (
    <li className="flex flex-col gap-2 py-3 sm:flex-row sm:items-center sm:justify-between">
      <div className="min-w-0">
        <p className="flex flex-wrap items-center gap-2 text-sm font-medium text-fg">
          {provider.name}
          <StatusBadge tone={provider.configured ? "ok" : "neutral"}>{provider.configured ? "ready" : "not set up"}</StatusBadge>
        </p>
        <p className="text-xs text-muted">
          {provider.provider} · {SOURCES[provider.source]}
          {provider.key_last4 && <span data-testid={`key-${provider.name}`}> · key …{provider.key_last4}</span>}
          {provider.base_url && <span className="break-all"> · {provider.base_url}</span>}
        </p>
        {remove.isError && <p className="text-xs text-danger">{errorMessage(remove.error)}</p>}
      </div>
      {editable && (
        <div className="flex flex-wrap items-center gap-2">
          <Button onClick={onEdit} aria-label={`Set the key of ${provider.name}`}>
            {provider.source === "stored" ? "Change key" : "Set key"}
          </Button>
          {provider.configured && <TestResult name={provider.name} />}
          {provider.source === "stored" && (
            <Button variant="danger" onClick={() => remove.mutate(provider.name)} disabled={remove.isPending} aria-label={`Delete the key of ${provider.name}`}>
              Delete key
            </Button>
          )}
        </div>
      )}
    </li>
  );
}

/** Providers and where their keys come from; admins set, test and delete keys (write-only). */
export function ProvidersCard({ isAdmin }: { isAdmin: boolean }) {
  const providers = useProviders();
  const [editing, setEditing] = useState<Provider | null>(null);
  return (
    <Card title="Providers and keys" labelledBy="providers-title">
      {providers.isPending ? (
        <Skeleton className="h-40 w-full" />
      ) : providers.isError ? (
        <ErrorState title="Could not load the providers" error={providers.error} onRetry={() => void providers.refetch()} />
      ) : providers.data.length === 0 ? (
        <EmptyState title="No providers" />
      ) : (
        <ul className="divide-y divide-border">
          {providers.data.map((p) => (
            <ProviderRow key={p.name} provider={p} isAdmin={isAdmin} onEdit={() => setEditing(p)} />
          ))}
        </ul>
      )}
      {!isAdmin && <p className="mt-2 text-xs text-muted">Only admins can change keys.</p>}
      {editing && <ProviderKeyDialog provider={editing} onClose={() => setEditing(null)} />}
    </Card>
  );
}
