"use client";

import { useEffect, useRef } from "react";

import { CloseIcon, MenuIcon } from "@/components/ui/icons";
import { StatusBadge } from "@/components/ui/StatusBadge";
import type { User } from "@/hooks/queries/auth";

import { NavLinks } from "./NavLinks";

type MenuButtonProps = { open: boolean; controls: string; onToggle: () => void };

/** Opens the navigation on screens too narrow for the sidebar. */
export function MenuButton({ open, controls, onToggle }: MenuButtonProps) {
  return (
    <button
      type="button"
      id={`${controls}-button`}
      onClick={onToggle}
      aria-expanded={open}
      aria-controls={controls}
      aria-label={open ? "Close navigation" : "Open navigation"}
      className="-ml-1.5 rounded-md p-1.5 text-muted hover:bg-surface-muted hover:text-fg lg:hidden"
    >
      {open ? <CloseIcon /> : <MenuIcon />}
    </button>
  );
}

type MobileMenuProps = { id: string; user: User | undefined; onClose: () => void };

/** The sidebar's content as a panel under the header; Escape or choosing a page closes it. */
export function MobileMenu({ id, user, onClose }: MobileMenuProps) {
  const panel = useRef<HTMLElement>(null);

  useEffect(() => {
    panel.current?.querySelector<HTMLElement>("a")?.focus();
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== "Escape") return;
      onClose();
      document.getElementById(`${id}-button`)?.focus();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [id, onClose]);

  return (
    <nav
      ref={panel}
      id={id}
      aria-label="Main"
      className="sticky top-14 z-20 border-b border-border bg-surface px-3 py-4 shadow-md lg:hidden"
    >
      <NavLinks onNavigate={onClose} />
      {user && (
        <p className="mt-4 flex items-center gap-2 border-t border-border px-3 pt-4 text-sm text-muted">
          <span className="truncate">Signed in as {user.email}</span>
          <StatusBadge tone="neutral">{user.role}</StatusBadge>
        </p>
      )}
    </nav>
  );
}
