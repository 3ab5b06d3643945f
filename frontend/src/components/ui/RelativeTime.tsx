"use client";

import { useNow } from "@/hooks/useNow";
import { formatDateTime, formatRelative, parseDate } from "@/lib/format";

/** "12 seconds ago", kept current; the exact moment is in the tooltip and the datetime attribute. */
export function RelativeTime({ value }: { value: string }) {
  const now = useNow();
  return (
    <time dateTime={parseDate(value).toISOString()} title={formatDateTime(value)}>
      {formatRelative(value, now)}
    </time>
  );
}
