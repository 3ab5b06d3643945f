"use client";

import { useState } from "react";

import { Button } from "@/components/ui/Button";
import { Card } from "@/components/ui/Card";
import { CopyButton } from "@/components/ui/CopyButton";
import { Field, FormError } from "@/components/ui/Field";
import { TextInput } from "@/components/ui/Input";
import { NumberInput } from "@/components/ui/NumberInput";
import { RelativeTime } from "@/components/ui/RelativeTime";
import { Select } from "@/components/ui/Select";
import { Skeleton } from "@/components/ui/Skeleton";
import { EmptyState, ErrorState } from "@/components/ui/StateViews";
import { scopesFor, useCreateToken, useTokens, type ApiToken, type TokenScope } from "@/hooks/queries/tokens";
import type { Role } from "@/hooks/queries/users";
import { errorMessage } from "@/lib/api/client";
import { LIMITS } from "@/lib/limits";

import { RevokeTokenDialog } from "./RevokeTokenDialog";

const SCOPE_LABELS: Record<TokenScope, string> = {
  read: "read — look only",
  write: "write — change data",
  admin: "admin — also users and keys",
};

// New tokens start read-only: a script that only downloads exports needs nothing more, and widening a
// token is one deliberate choice, while a token that can write by default is a leak waiting to matter.
function NewTokenForm({ role }: { role: Role }) {
  const create = useCreateToken();
  const scopes = scopesFor(role);
  const [name, setName] = useState("");
  const [scope, setScope] = useState<TokenScope>("read");
  const [days, setDays] = useState("");
  return (
    <div className="space-y-3">
      <form
        className="flex flex-wrap items-end gap-2"
        onSubmit={(event) => {
          event.preventDefault();
          if (!name.trim()) return;
          create.mutate(
            { name: name.trim(), scope, expires_in_days: days ? Number(days) : null },
            { onSuccess: () => setName("") },
          );
        }}
      >
        <Field label="Token name" htmlFor="token-name" className="min-w-48 flex-1">
          <TextInput limit={LIMITS.TokenCreate.name} value={name} required onChange={(e) => setName(e.target.value)} />
        </Field>
        <Field label="Scope" htmlFor="token-scope" className="w-56">
          <Select value={scope} onChange={(e) => setScope(scopes.find((s) => s === e.target.value) ?? "read")}>
            {scopes.map((s) => (
              <option key={s} value={s}>
                {SCOPE_LABELS[s]}
              </option>
            ))}
          </Select>
        </Field>
        <Field label="Expires after (days)" htmlFor="token-days" className="w-40">
          <NumberInput integer limit={LIMITS.TokenCreate.expires_in_days} value={days} placeholder="never" onChange={(e) => setDays(e.target.value)} />
        </Field>
        <Button type="submit" variant="primary" disabled={!name.trim() || create.isPending}>
          {create.isPending ? "Creating…" : "Create token"}
        </Button>
      </form>
      {create.isError && <FormError>{errorMessage(create.error)}</FormError>}
      {create.data && (
        <div role="status" className="rounded-lg border border-ok/40 bg-ok-soft p-3 text-sm">
          <p className="font-medium text-fg">Copy the token “{create.data.name}” now: it is shown only this once.</p>
          <div className="mt-2 flex flex-wrap items-center gap-2">
            <code data-testid="new-token" className="min-w-0 flex-1 break-all rounded bg-surface px-2 py-1 font-mono text-xs text-fg">
              {create.data.token}
            </code>
            <CopyButton text={create.data.token} label={`Copy the token “${create.data.name}”`} />
          </div>
        </div>
      )}
    </div>
  );
}

function TokenRow({ token }: { token: ApiToken }) {
  const [confirming, setConfirming] = useState(false);
  return (
    <li className="flex flex-col gap-2 py-3 sm:flex-row sm:items-center sm:justify-between">
      <div className="min-w-0 text-sm">
        <p className="font-medium text-fg">
          {token.name} <span className="font-mono text-xs text-muted">{token.prefix}…</span>{" "}
          <span data-testid="token-scope" className="rounded bg-surface-muted px-1.5 py-0.5 text-xs text-fg">
            {token.scope}
          </span>
        </p>
        <p className="text-xs text-muted">
          created <RelativeTime value={token.created_at} />
          {" · "}
          {token.last_used_at ? (
            <>
              last used <RelativeTime value={token.last_used_at} />
            </>
          ) : (
            "never used"
          )}
          {token.expires_at && (
            <>
              {" · expires "}
              <RelativeTime value={token.expires_at} />
            </>
          )}
        </p>
      </div>
      {token.revoked_at ? (
        <span className="text-xs text-muted">revoked</span>
      ) : (
        <Button variant="danger" onClick={() => setConfirming(true)} aria-label={`Revoke ${token.name}`}>
          Revoke
        </Button>
      )}
      {confirming && <RevokeTokenDialog token={token} onClose={() => setConfirming(false)} />}
    </li>
  );
}

/** The signed-in user's API tokens: create one (its secret shown once) with a scope up to `role`, or revoke one. */
export function TokensCard({ role }: { role: Role }) {
  const tokens = useTokens();
  return (
    <Card title="API tokens" labelledBy="tokens-title">
      <div className="space-y-4">
        <NewTokenForm role={role} />
        {tokens.isPending ? (
          <Skeleton className="h-20 w-full" />
        ) : tokens.isError ? (
          <ErrorState title="Could not load the tokens" error={tokens.error} onRetry={() => void tokens.refetch()} />
        ) : tokens.data.length === 0 ? (
          <EmptyState title="No API tokens yet">Scripts and the CLI sign in with a token: “Authorization: Bearer …”.</EmptyState>
        ) : (
          <ul aria-label="Your API tokens" className="divide-y divide-border">
            {tokens.data.map((t) => (
              <TokenRow key={t.id} token={t} />
            ))}
          </ul>
        )}
      </div>
    </Card>
  );
}
