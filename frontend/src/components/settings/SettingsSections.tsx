"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";

/** The pages under Settings: the account and keys, the platform's health, the background tasks. */
export const SETTINGS_SECTIONS = [
  { label: "Account and keys", href: "/settings/" },
  { label: "System", href: "/settings/system/" },
  { label: "Tasks", href: "/tasks/" },
] as const;

function samePath(a: string, b: string): boolean {
  return a.replace(/\/+$/, "") === b.replace(/\/+$/, "");
}

/** The sub-navigation shown at the top of every settings page. */
export function SettingsSections() {
  const pathname = usePathname();
  return (
    <nav aria-label="Settings sections" className="-mt-2 mb-6 border-b border-border">
      <ul className="-mb-px flex flex-wrap gap-x-1">
        {SETTINGS_SECTIONS.map((section) => {
          const active = samePath(pathname, section.href);
          return (
            <li key={section.href}>
              <Link
                href={section.href}
                aria-current={active ? "page" : undefined}
                className={`inline-block rounded-t-md border-b-2 px-3 py-2 text-sm font-medium focus-visible:outline-2 focus-visible:outline-accent ${
                  active ? "border-accent text-fg" : "border-transparent text-muted hover:text-fg"
                }`}
              >
                {section.label}
              </Link>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
