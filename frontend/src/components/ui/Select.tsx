"use client";

import type { SelectHTMLAttributes } from "react";

import { cn } from "@/lib/cn";

import { CONTROL, useFieldControl } from "./Field";

/** A native select with the control look; inside a Field it takes the Field's id, hint and error wiring. */
export function Select({ className, ...props }: SelectHTMLAttributes<HTMLSelectElement>) {
  const wired = useFieldControl(props);
  return <select className={cn(CONTROL, className)} {...wired} />;
}
