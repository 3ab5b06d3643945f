"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";

import { ExternalIcon } from "@/components/ui/icons";

import { isActive, NAV_ITEMS, type NavItem } from "./nav";

const ITEM =
  "flex items-center gap-3 rounded-md px-3 py-2 text-sm font-medium transition-colors hover:bg-surface-muted hover:text-fg";

function PageLink({ item, active, onNavigate }: { item: NavItem; active: boolean; onNavigate?: () => void }) {
  const Icon = item.icon;
  return (
    <Link
      href={item.href}
      onClick={onNavigate}
      aria-current={active ? "page" : undefined}
      className={`${ITEM} ${active ? "bg-accent-soft text-accent hover:bg-accent-soft hover:text-accent" : "text-muted"}`}
    >
      <Icon />
      {item.label}
    </Link>
  );
}

function ExternalLink({ item }: { item: NavItem }) {
  const Icon = item.icon;
  return (
    <a href={item.href} target="_blank" rel="noopener noreferrer" className={`${ITEM} text-muted`}>
      <Icon />
      <span className="flex-1">{item.label}</span>
      <ExternalIcon className="opacity-70" />
      <span className="sr-only">(opens in a new tab)</span>
    </a>
  );
}

/** The navigation list, shared by the desktop sidebar and the mobile menu. */
export function NavLinks({ onNavigate }: { onNavigate?: () => void }) {
  const pathname = usePathname();
  const pages = NAV_ITEMS.filter((item) => !item.external);
  const external = NAV_ITEMS.filter((item) => item.external);
  return (
    <div className="flex flex-col gap-5">
      <ul className="flex flex-col gap-0.5">
        {pages.map((item) => (
          <li key={item.href}>
            <PageLink item={item} active={isActive(item, pathname)} onNavigate={onNavigate} />
          </li>
        ))}
      </ul>
      {external.length > 0 && (
        <div>
          <p className="px-3 pb-1 text-xs font-medium uppercase tracking-wide text-muted">Resources</p>
          <ul className="flex flex-col gap-0.5">
            {external.map((item) => (
              <li key={item.href}>
                <ExternalLink item={item} />
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}
