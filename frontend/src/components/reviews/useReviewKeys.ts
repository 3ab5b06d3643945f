import { useEffect, useRef } from "react";

export type ReviewKey = "a" | "r" | "e" | "s" | "n" | "1" | "2" | "3" | "4" | "5";
const KEYS: readonly string[] = ["a", "r", "e", "s", "n", "1", "2", "3", "4", "5"];

function typing(target: EventTarget | null): boolean {
  return target instanceof HTMLElement && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
}

/** Calls `onKey` for a, r, e, s, n and 1 to 5 pressed outside a text field (no modifier), while `enabled`. */
export function useReviewKeys(enabled: boolean, onKey: (key: ReviewKey) => void) {
  const handler = useRef(onKey);
  useEffect(() => {
    handler.current = onKey;
  });
  useEffect(() => {
    if (!enabled) return;
    const listen = (event: KeyboardEvent) => {
      if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
      const key = event.key.toLowerCase();
      if (!KEYS.includes(key)) return;
      event.preventDefault();
      handler.current(key as ReviewKey);
    };
    window.addEventListener("keydown", listen);
    return () => window.removeEventListener("keydown", listen);
  }, [enabled]);
}
