"use client";

import { useState } from "react";

import { Button } from "@/components/ui/Button";
import { Card } from "@/components/ui/Card";
import { Field, FormError } from "@/components/ui/Field";
import { TextInput } from "@/components/ui/Input";
import { Select } from "@/components/ui/Select";
import { Skeleton } from "@/components/ui/Skeleton";
import { EmptyState, ErrorState } from "@/components/ui/StateViews";
import { ROLES, useCreateUser, useUpdateUser, useUsers, type ManagedUser, type Role } from "@/hooks/queries/users";
import { errorMessage } from "@/lib/api/client";
import { LIMITS } from "@/lib/limits";

const NEW_USER = LIMITS.UserCreate;
const MIN_PASSWORD = NEW_USER.password.minLength ?? 0;

/** What the form still needs before "Add user" can be pressed, in words ("" when nothing). */
function missingForNewUser(email: string, password: string): string {
  const missing = [
    ...(email.trim() ? [] : ["an e-mail"]),
    ...(password.length >= MIN_PASSWORD ? [] : [`a password of at least ${MIN_PASSWORD} characters`]),
  ];
  return missing.length ? `To add a user, enter ${missing.join(" and ")}.` : "";
}

function NewUserForm() {
  const create = useCreateUser();
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<Role>("viewer");
  const [password, setPassword] = useState("");
  const missing = missingForNewUser(email, password);
  return (
    <form
      className="space-y-3"
      onSubmit={(event) => {
        event.preventDefault();
        create.mutate({ email: email.trim(), role, password }, { onSuccess: () => (setEmail(""), setPassword("")) });
      }}
    >
      <div className="grid gap-3 sm:grid-cols-[minmax(0,2fr)_minmax(0,1fr)_minmax(0,2fr)_auto] sm:items-end">
        <Field label="E-mail" htmlFor="user-email">
          <TextInput type="email" required limit={NEW_USER.email} value={email} onChange={(e) => setEmail(e.target.value)} />
        </Field>
        <Field label="Role" htmlFor="user-role">
          <Select value={role} onChange={(e) => setRole(ROLES.find((r) => r === e.target.value) ?? "viewer")}>
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </Select>
        </Field>
        <Field label="Password" htmlFor="user-password">
          <TextInput
            type="password"
            autoComplete="new-password"
            required
            minLength={NEW_USER.password.minLength}
            limit={NEW_USER.password}
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </Field>
        <Button
          type="submit"
          variant="primary"
          disabled={create.isPending || Boolean(missing)}
          aria-describedby={missing ? "new-user-missing" : undefined}
        >
          Add user
        </Button>
      </div>
      {missing && (
        <p id="new-user-missing" data-testid="new-user-missing" className="text-xs text-muted">
          {missing}
        </p>
      )}
      {create.isError && <FormError>{errorMessage(create.error)}</FormError>}
    </form>
  );
}

/** The role of one user: choosing another only proposes it; Confirm applies it, Cancel puts the old one back. */
function RoleControl({ user, isSelf }: { user: ManagedUser; isSelf: boolean }) {
  const update = useUpdateUser();
  const [draft, setDraft] = useState<Role | null>(null);
  // The hook refetches the list before it settles, so the select never flashes the old role.
  const roleId = `role-${user.id}`;
  const proposed = draft !== null && draft !== user.role ? draft : null;
  const apply = (role: Role) => update.mutate({ id: user.id, body: { role } }, { onSettled: () => setDraft(null) });
  return (
    <div className="flex flex-wrap items-center gap-2">
      <Field label={`Role of ${user.email}`} htmlFor={roleId} labelClassName="sr-only">
        <Select
          className="w-auto"
          value={draft ?? user.role}
          disabled={isSelf || update.isPending}
          onChange={(e) => setDraft(ROLES.find((r) => r === e.target.value) ?? user.role)}
        >
          {ROLES.map((r) => (
            <option key={r} value={r}>
              {r}
            </option>
          ))}
        </Select>
      </Field>
      {proposed && (
        <>
          <span className="text-xs text-muted">
            {user.role} → {proposed}?
          </span>
          <Button size="sm" variant="primary" disabled={update.isPending} onClick={() => apply(proposed)} aria-label={`Confirm role ${proposed} for ${user.email}`}>
            Confirm
          </Button>
          <Button size="sm" disabled={update.isPending} onClick={() => setDraft(null)} aria-label={`Cancel the role change of ${user.email}`}>
            Cancel
          </Button>
        </>
      )}
      {update.isError && <p className="text-xs text-danger">{errorMessage(update.error)}</p>}
    </div>
  );
}

function UserRow({ user, isSelf }: { user: ManagedUser; isSelf: boolean }) {
  const update = useUpdateUser();
  return (
    <li className="flex flex-col gap-2 py-3 sm:flex-row sm:items-center sm:justify-between">
      <div className="min-w-0 text-sm">
        <p className="break-all font-medium text-fg">
          {user.email} {isSelf && <span className="text-xs text-muted">(you)</span>}
        </p>
        {!user.is_active && <p className="text-xs text-muted">deactivated</p>}
        {update.isError && <p className="text-xs text-danger">{errorMessage(update.error)}</p>}
      </div>
      <div className="flex flex-wrap items-center gap-2">
        <RoleControl user={user} isSelf={isSelf} />
        <Button
          disabled={isSelf || update.isPending}
          onClick={() => update.mutate({ id: user.id, body: { is_active: !user.is_active } })}
          aria-label={`${user.is_active ? "Deactivate" : "Activate"} ${user.email}`}
        >
          {user.is_active ? "Deactivate" : "Activate"}
        </Button>
      </div>
    </li>
  );
}

/** Everyone who can sign in, their roles, and a form to add someone (admins only). */
export function UsersCard({ selfId }: { selfId: string }) {
  const users = useUsers(1, true);
  return (
    <Card title="Users" labelledBy="users-title">
      <div className="space-y-4">
        <NewUserForm />
        {users.isPending ? (
          <Skeleton className="h-20 w-full" />
        ) : users.isError ? (
          <ErrorState title="Could not load the users" error={users.error} onRetry={() => void users.refetch()} />
        ) : users.data.items.length === 0 ? (
          <EmptyState title="No users" />
        ) : (
          <ul aria-label="Users" className="divide-y divide-border">
            {users.data.items.map((u) => (
              <UserRow key={u.id} user={u} isSelf={u.id === selfId} />
            ))}
          </ul>
        )}
      </div>
    </Card>
  );
}
