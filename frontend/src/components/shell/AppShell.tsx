"use client";

import { useCallback, useState, type ReactNode } from "react";

import { Skeleton } from "@/components/ui/Skeleton";
import { ErrorState } from "@/components/ui/StateViews";
import { useMe } from "@/hooks/queries/auth";
import { ApiError } from "@/lib/api/client";

import { ApiDownBanner } from "./ApiDownBanner";
import { Brand } from "./Brand";
import { MobileMenu, MenuButton } from "./MobileMenu";
import { NavLinks } from "./NavLinks";
import { UserMenu } from "./UserMenu";

const MOBILE_MENU_ID = "mobile-menu";

/** Sidebar + header around every signed-in page; pages render only once the session is known. */
export function AppShell({ children }: { children: ReactNode }) {
  const me = useMe();
  const [menuOpen, setMenuOpen] = useState(false);
  // Stable, so the open menu does not re-run its focus effect when the shell re-renders.
  const closeMenu = useCallback(() => setMenuOpen(false), []);
  const user = me.data;

  return (
    <div className="min-h-dvh lg:grid lg:grid-cols-[15rem_minmax(0,1fr)]">
      <a
        href="#main"
        className="sr-only z-50 rounded-md bg-accent px-3 py-2 text-sm font-medium text-accent-fg focus:not-sr-only focus:fixed focus:left-3 focus:top-3"
      >
        Skip to content
      </a>
      <aside className="hidden border-r border-border bg-surface lg:block">
        <div className="sticky top-0 flex h-dvh flex-col gap-6 px-3 py-5">
          <div className="px-2">
            <Brand />
          </div>
          <nav aria-label="Main">
            <NavLinks />
          </nav>
        </div>
      </aside>

      <div className="flex min-w-0 flex-col">
        <header className="sticky top-0 z-30 flex h-14 items-center gap-3 border-b border-border bg-surface/90 px-4 backdrop-blur sm:px-6 lg:justify-end lg:px-8">
          <MenuButton open={menuOpen} controls={MOBILE_MENU_ID} onToggle={() => setMenuOpen((o) => !o)} />
          <div className="lg:hidden">
            <Brand />
          </div>
          <div className="ml-auto flex min-w-0 items-center lg:ml-0">
            {user ? <UserMenu user={user} compact /> : <Skeleton className="h-8 w-40" />}
          </div>
        </header>
        {menuOpen && <MobileMenu id={MOBILE_MENU_ID} user={user} onClose={closeMenu} />}
        <ApiDownBanner />
        <main id="main" tabIndex={-1} className="mx-auto w-full max-w-7xl flex-1 px-4 py-6 outline-none sm:px-6 lg:px-8 lg:py-8">
          <SessionGate me={me}>{children}</SessionGate>
        </main>
      </div>
    </div>
  );
}

type SessionGateProps = { me: ReturnType<typeof useMe>; children: ReactNode };

function SessionGate({ me, children }: SessionGateProps) {
  if (me.data) return children;
  if (me.error instanceof ApiError && me.error.status === 401) {
    return <p className="text-sm text-muted">Your session has ended. Taking you to the sign-in page…</p>;
  }
  if (me.error) {
    return (
      <ErrorState
        title="Could not check your session"
        error={me.error}
        onRetry={() => void me.refetch()}
        retrying={me.isFetching}
      />
    );
  }
  return (
    <div role="status" aria-busy="true" className="space-y-4">
      <span className="sr-only">Loading…</span>
      <Skeleton className="h-8 w-48" />
      <Skeleton className="h-32 w-full" />
    </div>
  );
}

