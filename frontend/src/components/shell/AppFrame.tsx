"use client";

import { usePathname } from "next/navigation";
import type { ReactNode } from "react";

import { isPublicPath } from "@/lib/navigation";

import { AppShell } from "./AppShell";

/** The sign-in page stands alone; every other page lives in the signed-in shell. */
export function AppFrame({ children }: { children: ReactNode }) {
  const pathname = usePathname();
  return isPublicPath(pathname) ? children : <AppShell>{children}</AppShell>;
}
