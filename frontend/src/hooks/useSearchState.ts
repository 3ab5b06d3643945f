"use client";

import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useCallback, useEffect, useRef } from "react";

/** A change to the query string: a value sets a parameter, null or "" removes it. */
export type SearchChanges = Record<string, string | number | null>;

/**
 * A page's view state (filters, page, tab) kept in the URL's query string, so a view can be shared
 * and reloaded. Every change but a page change starts again on the first page.
 *
 * The router applies a replace in a transition, so the URL (and `params`) lag behind for a moment; a
 * second change made before the first has landed starts from the queries still on their way, never
 * from the stale URL, so no change is lost.
 */
export function useSearchState() {
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  const current = params.toString();
  // Queries asked for that the URL does not show yet, oldest first.
  const queued = useRef<string[]>([]);

  useEffect(() => {
    // The URL caught up with one of them (drop it and the older ones), or moved elsewhere (drop all).
    const at = queued.current.indexOf(current);
    queued.current = at === -1 ? [] : queued.current.slice(at + 1);
  }, [current]);

  const update = useCallback(
    (changes: SearchChanges) => {
      const query = new URLSearchParams(queued.current.at(-1) ?? current);
      if (!("page" in changes)) query.delete("page");
      for (const [key, value] of Object.entries(changes)) {
        if (value === null || value === "" || (key === "page" && value === 1)) query.delete(key);
        else query.set(key, String(value));
      }
      const search = query.toString();
      if (search !== (queued.current.at(-1) ?? current)) queued.current.push(search);
      router.replace(search ? `${pathname}?${search}` : pathname, { scroll: false });
    },
    [current, pathname, router],
  );

  return { params, update };
}

/** A positive integer from the query string, or `fallback`. */
export function parsePositive(raw: string | null, fallback: number): number {
  const value = Number(raw);
  return raw !== null && Number.isInteger(value) && value > 0 ? value : fallback;
}

/** A number in [min, max] from the query string, or null. */
export function parseBounded(raw: string | null, min: number, max: number): number | null {
  if (raw === null || raw.trim() === "") return null;
  const value = Number(raw);
  return Number.isFinite(value) && value >= min && value <= max ? value : null;
}

/** One of `allowed`, or null. */
export function parseChoice<T extends string>(raw: string | null, allowed: readonly T[]): T | null {
  return allowed.find((choice) => choice === raw) ?? null;
}
