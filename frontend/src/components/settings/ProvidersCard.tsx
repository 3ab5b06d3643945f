"use client";

import { useState } from "react";

import { Button } from "@/components/ui/Button";
import { Card } from "@/components/ui/Card";
import { Skeleton } from "@/components/ui/Skeleton";
import { StatusBadge } from "@/components/ui/StatusBadge";
import { EmptyState, ErrorState } from "@/components/ui/StateViews";
import { useDeleteProvider, useProviders, useTestProvider, type EffectiveLimits, type Provider } from "@/hooks/queries/providers";
import { errorMessage } from "@/lib/api/client";

import { ProviderKeyDialog } from "./ProviderKeyDialog";
import { ProviderLimitsDialog } from "./ProviderLimitsDialog";

const SOURCES: Record<Provider["source"], string> = {
  stored: "key stored here",
  environment: "key from the environment",
  bundled: "bundled, needs no key",
  none: "no key",
};

const LIMIT_SOURCES: Record<EffectiveLimits["rpm"]["source"], string> = {
  set: "set",
  env: ".env default",
  learned: "learned",
  none: "none",
};

const count = (value: number) => value.toLocaleString("en-US");

/** "500 RPM (set) · 200,000 TPM (learned) · 4 at once (.env default)", or null when nothing applies. */
function limitsText(limits: EffectiveLimits): string | null {
  const parts = [
    limits.rpm.value != null && `${count(limits.rpm.value)} RPM (${LIMIT_SOURCES[limits.rpm.source]})`,
    limits.tpm.value != null && `${count(limits.tpm.value)} TPM (${LIMIT_SOURCES[limits.tpm.source]})`,
    limits.max_concurrency.value != null &&
      `${count(limits.max_concurrency.value)} at once (${LIMIT_SOURCES[limits.max_concurrency.source]})`,
  ].filter((part): part is string => Boolean(part));
  return parts.length ? parts.join(" · ") : null;
}

function learnedText(limits: EffectiveLimits): string | null {
  const learned = limits.learned;
  if (!learned || (learned.rpm == null && learned.tpm == null)) return null;
  const parts = [learned.rpm != null && `${count(learned.rpm)} RPM`, learned.tpm != null && `${count(learned.tpm)} TPM`];
  return `learned from its headers: ${parts.filter(Boolean).join(", ")}`;
}

/** The limits in effect: for every model of the provider, then for each model with limits of its own. */
function LimitsSummary({ provider }: { provider: Provider }) {
  const effective = provider.limits?.effective ?? [];
  return (
    <ul className="mt-1 space-y-0.5 text-xs text-muted" data-testid={`limits-${provider.name}`} aria-label={`Rate limits of ${provider.name}`}>
      {effective.map((row) => {
        const learned = learnedText(row);
        return (
          <li key={row.model}>
            <span className="font-medium text-fg">{row.model === "*" ? "Every model" : row.model}</span>:{" "}
            {limitsText(row) ?? "no limits (429s are retried as they come)"}
            {learned && <span> · {learned}</span>}
          </li>
        );
      })}
    </ul>
  );
}

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

type ProviderRowProps = { provider: Provider; isAdmin: boolean; onEdit: () => void; onEditLimits: () => void };

function ProviderRow({ provider, isAdmin, onEdit, onEditLimits }: ProviderRowProps) {
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
        {provider.limits && <LimitsSummary provider={provider} />}
        {remove.isError && <p className="text-xs text-danger">{errorMessage(remove.error)}</p>}
      </div>
      {editable && (
        <div className="flex flex-wrap items-center gap-2">
          <Button onClick={onEdit} aria-label={`Set the key of ${provider.name}`}>
            {provider.source === "stored" ? "Change key" : "Set key"}
          </Button>
          {provider.limits && (
            <Button onClick={onEditLimits} aria-label={`Set the rate limits of ${provider.name}`}>
              Limits
            </Button>
          )}
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

/** Providers, where their keys come from and their rate limits; admins set, test and delete keys (write-only) and set limits. */
export function ProvidersCard({ isAdmin }: { isAdmin: boolean }) {
  const providers = useProviders();
  const [editing, setEditing] = useState<Provider | null>(null);
  const [limiting, setLimiting] = useState<Provider | null>(null);
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
            <ProviderRow key={p.name} provider={p} isAdmin={isAdmin} onEdit={() => setEditing(p)} onEditLimits={() => setLimiting(p)} />
          ))}
        </ul>
      )}
      {!isAdmin && <p className="mt-2 text-xs text-muted">Only admins can change keys and limits.</p>}
      {editing && <ProviderKeyDialog provider={editing} onClose={() => setEditing(null)} />}
      {limiting && <ProviderLimitsDialog provider={limiting} onClose={() => setLimiting(null)} />}
    </Card>
  );
}
