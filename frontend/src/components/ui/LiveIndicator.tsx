"use client";

import { useNow } from "@/hooks/useNow";
import { formatRelative } from "@/lib/format";

type LiveIndicatorProps = { updatedAt: number; fetching: boolean; failed: boolean; everyMs: number };

/** "Live · updated 3 seconds ago": shows that a polled view is current, or that polling fails. */
export function LiveIndicator({ updatedAt, fetching, failed, everyMs }: LiveIndicatorProps) {
  const now = useNow();
  const age = updatedAt ? formatRelative(new Date(updatedAt).toISOString(), now) : "never";
  return (
    <p
      className="inline-flex items-center gap-2 rounded-full border border-border bg-surface px-3 py-1 text-xs text-muted"
      title={`Refreshes every ${everyMs / 1000} seconds`}
    >
      <span aria-hidden="true" className="relative flex size-2">
        {!failed && <span className="absolute inline-flex size-full animate-ping rounded-full bg-ok opacity-60" />}
        <span className={`relative inline-flex size-2 rounded-full ${failed ? "bg-danger" : "bg-ok"}`} />
      </span>
      {failed ? "Updates failing" : "Live"}
      <span aria-hidden="true">·</span>
      <span>{fetching ? "updating…" : `updated ${age}`}</span>
    </p>
  );
}
