"use client";

import { Button } from "@/components/ui/Button";
import { LogoutIcon } from "@/components/ui/icons";
import { StatusBadge } from "@/components/ui/StatusBadge";
import { useLogout, type User } from "@/hooks/queries/auth";
import { errorMessage } from "@/lib/api/client";
import { LOGIN_PATH } from "@/lib/navigation";

/** Who is signed in, and the way out. `compact` hides the e-mail on narrow headers. */
export function UserMenu({ user, compact = false }: { user: User; compact?: boolean }) {
  const logout = useLogout();
  const signOut = () =>
    // A full page load after signing out leaves nothing of the session in memory.
    logout.mutate(undefined, { onSuccess: () => window.location.assign(LOGIN_PATH) });
  return (
    <div className="flex min-w-0 items-center gap-3">
      <div className={`min-w-0 items-center gap-2 ${compact ? "hidden sm:flex" : "flex"}`}>
        <span className="truncate text-sm text-fg" data-testid="current-user">
          {user.email}
        </span>
        <StatusBadge tone="neutral">{user.role}</StatusBadge>
      </div>
      <Button variant="ghost" onClick={signOut} disabled={logout.isPending} aria-label="Sign out">
        <LogoutIcon />
        <span className={compact ? "hidden sm:inline" : ""}>{logout.isPending ? "Signing out…" : "Sign out"}</span>
      </Button>
      {logout.isError && (
        <span role="alert" className="text-xs text-danger">
          {errorMessage(logout.error)}
        </span>
      )}
    </div>
  );
}
