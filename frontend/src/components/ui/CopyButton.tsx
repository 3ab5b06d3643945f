"use client";

import { useEffect, useState } from "react";

import { Button } from "./Button";

type CopyState = "idle" | "copied" | "failed";

/**
 * Copies `text` to the clipboard and says so ("Copied") for a few seconds. The clipboard API exists only
 * in a secure context (https or localhost): elsewhere it says to copy by hand instead of failing silently.
 */
export function CopyButton({ text, label }: { text: string; label: string }) {
  const [state, setState] = useState<CopyState>("idle");
  useEffect(() => {
    if (state === "idle") return;
    const timer = setTimeout(() => setState("idle"), 3000);
    return () => clearTimeout(timer);
  }, [state]);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setState("copied");
    } catch {
      setState("failed");
    }
  };
  return (
    <span className="inline-flex items-center gap-2">
      <Button size="sm" onClick={() => void copy()} aria-label={label}>
        {state === "copied" ? "Copied" : "Copy"}
      </Button>
      <span aria-live="polite" className="text-xs text-muted">
        {state === "copied" ? "Copied to the clipboard" : state === "failed" ? "Could not copy: select it and copy by hand" : ""}
      </span>
    </span>
  );
}
