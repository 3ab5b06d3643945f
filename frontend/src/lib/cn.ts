import { clsx, type ClassValue } from "clsx";
import { twMerge } from "tailwind-merge";

/**
 * Joins class names (strings, conditionals, arrays) and resolves Tailwind conflicts so the last one wins:
 * `cn("w-full px-3", "w-40")` is `"px-3 w-40"`. Components put the caller's `className` last, so a caller
 * overrides a variant's classes whatever order Tailwind happens to emit them in.
 */
export function cn(...inputs: ClassValue[]): string {
  return twMerge(clsx(inputs));
}
