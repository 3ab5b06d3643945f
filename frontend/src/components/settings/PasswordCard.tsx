"use client";

import { useState } from "react";

import { Button } from "@/components/ui/Button";
import { Card } from "@/components/ui/Card";
import { CheckboxField } from "@/components/ui/Checkbox";
import { Field, FormError } from "@/components/ui/Field";
import { TextInput } from "@/components/ui/Input";
import { useChangePassword } from "@/hooks/queries/users";
import { errorMessage } from "@/lib/api/client";
import { LIMITS } from "@/lib/limits";

const CHANGE = LIMITS.PasswordChange;

/** The signed-in user's password: changing it ends their other sessions and, if ticked, their API tokens. */
export function PasswordCard() {
  const change = useChangePassword();
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [revokeTokens, setRevokeTokens] = useState(false);
  const ready = current.length > 0 && next.length >= CHANGE.new_password.minLength;
  return (
    <Card title="Password" labelledBy="password-title">
      <form
        className="space-y-3"
        onSubmit={(event) => {
          event.preventDefault();
          change.mutate(
            { current_password: current, new_password: next, revoke_tokens: revokeTokens },
            { onSuccess: () => (setCurrent(""), setNext("")) },
          );
        }}
      >
        <div className="grid gap-3 sm:grid-cols-2">
          <Field label="Current password" htmlFor="password-current">
            <TextInput
              type="password"
              autoComplete="current-password"
              required
              limit={CHANGE.current_password}
              value={current}
              onChange={(e) => setCurrent(e.target.value)}
            />
          </Field>
          <Field label="New password" htmlFor="password-new">
            <TextInput
              type="password"
              autoComplete="new-password"
              required
              minLength={CHANGE.new_password.minLength}
              limit={CHANGE.new_password}
              value={next}
              onChange={(e) => setNext(e.target.value)}
            />
          </Field>
        </div>
        <CheckboxField
          id="password-revoke-tokens"
          label="Also revoke my API tokens"
          hint="Your other dashboard sessions end either way; scripts using your tokens stop working if ticked."
          checked={revokeTokens}
          onCheckedChange={setRevokeTokens}
        />
        <Button type="submit" variant="primary" disabled={!ready || change.isPending}>
          {change.isPending ? "Changing…" : "Change password"}
        </Button>
        {change.isError && <FormError>{errorMessage(change.error)}</FormError>}
        {change.isSuccess && (
          <p role="status" className="text-sm text-fg">
            Password changed{change.variables.revoke_tokens ? "; your API tokens are revoked" : ""}.
          </p>
        )}
      </form>
    </Card>
  );
}
